"""Issuing a batch end to end: definition and results files in, credentials, manifest, bundle and
ledger out (real files, a real SQLite ledger)."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from elmkit.errors import SourceError
from elmkit.ledger import open_ledger
from elmkit.microcredentials import load_definition
from elmkit.microcredentials.batch import (
    CREDENTIALS_DIR,
    UPLOAD_DIR,
    BatchResult,
    delivery_details,
    file_stem,
    issue_batch,
)
from elmkit.microcredentials.build import credential_id
from elmkit.microcredentials.manifest import CredentialChange, ManifestRow, RowState
from test_issue_support import (
    HEADER,
    VALID_FROM,
    definition_file,
    demo_inputs,
    edit_sheet,
    learner_rows,
    read_manifest,
    require_serializers,
    snapshot,
    with_prefix,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.usefixtures("serializers")


@pytest.fixture
def serializers() -> None:
    require_serializers()


def _issue(definition: Path, results: Path, out: Path, **options: object) -> object:
    options.setdefault("images", False)
    options.setdefault("valid_from", VALID_FROM)
    return issue_batch(definition, results, out, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DemoRun:
    definition: Path
    results: Path
    out: Path
    ledger: Path
    result: BatchResult


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The demo data issued once (without pages, with a ledger) for several tests to inspect."""
    require_serializers()
    folder = tmp_path_factory.mktemp("demo")
    definition, results = demo_inputs(folder / "input")
    out, ledger = folder / "out", folder / "ledger.sqlite"
    result = issue_batch(definition, results, out, ledger=ledger, images=False)
    return DemoRun(definition, results, out, ledger, result)


def test_demo_data_end_to_end_with_ledger(demo_run: DemoRun) -> None:
    definition, results, out, ledger, result = (
        demo_run.definition,
        demo_run.results,
        demo_run.out,
        demo_run.ledger,
        demo_run.result,
    )

    rows = read_manifest(out)
    with results.open(encoding="utf-8") as handle:
        data_rows = sum(1 for _ in handle) - 1
    assert len(rows) == data_rows == result.rows
    states = {row["state"] for row in rows}
    assert {"issued", "not-eligible", "malformed"} <= states
    assert result.issued == sum(row["state"] == "issued" for row in rows) > 30
    assert result.exit_code == 1  # the demo results hold one malformed row

    malformed = [row for row in rows if row["state"] == "malformed"]
    assert [row["row"] for row in malformed] == [33]  # the file's line 33, under the heading
    assert "grade" in malformed[0]["reasons"][0]
    reasons = {r for row in rows if row["state"] == "not-eligible" for r in row["reasons"]}
    assert any("below the pass mark" in r for r in reasons)
    assert any("attendance" in r for r in reasons)

    definition_model = load_definition(definition)
    with open_ledger(ledger) as store:
        assert [d.definition_id for d in store.definitions()] == [definition_model.id]
        for row in rows:
            if row["state"] != "issued":
                if row["learner_id"]:
                    cid = credential_id(definition_model, row["learner_id"])
                    assert store.get_credential(cid) is None
                continue
            document = (out / row["file"]).read_bytes()
            upload = (out / row["upload_file"]).read_bytes()
            assert hashlib.sha256(document).hexdigest() == row["sha256"]
            assert hashlib.sha256(upload).hexdigest() == row["upload_sha256"]
            stored = store.get_credential(row["credential_id"])
            assert stored is not None and stored.state.value == "exported"
            assert stored.sha256 == row["sha256"]
            events = [(e.event.value, e.sha256) for e in store.history(row["credential_id"])]
            assert events == [
                ("defined", None),
                ("generated", row["sha256"]),
                ("exported", row["upload_sha256"]),
            ]
        issued = sum(
            1 for _ in store.credentials(definition_id=definition_model.id, state="exported")
        )
        assert issued == result.issued


def test_credential_and_upload_file_contents(demo_run: DemoRun) -> None:
    out = demo_run.out
    row = next(r for r in read_manifest(out) if r["state"] == "issued")
    document = json.loads((out / row["file"]).read_text(encoding="utf-8"))
    upload = json.loads((out / row["upload_file"]).read_text(encoding="utf-8"))
    assert document["id"] == row["credential_id"]
    assert upload["credential"] == document
    details = upload["deliveryDetails"]
    assert details["deliveryAddress"] == [f"mailto:{row['email']}"]
    assert details["displayLanguages"] == ["es", "ca", "en"]
    name = document["credentialSubject"]["fullName"]
    assert row["name"] in json.dumps(name, ensure_ascii=False)
    assert row["file"] == f"{CREDENTIALS_DIR}/{Path(row['file']).name}"
    assert row["upload_file"].startswith(f"{UPLOAD_DIR}/")


def test_xlsx_results_give_the_same_credentials_as_csv(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    rows = learner_rows(6)
    csv_out, xlsx_out = tmp_path / "csv", tmp_path / "xlsx"
    _issue(definition, write_csv(tmp_path / "r.csv", rows), csv_out)
    _issue(definition, write_xlsx(tmp_path / "r.xlsx", rows), xlsx_out)
    csv_files = {
        k: v for k, v in snapshot(csv_out).items() if k.startswith((CREDENTIALS_DIR, UPLOAD_DIR))
    }
    xlsx_files = {
        k: v for k, v in snapshot(xlsx_out).items() if k.startswith((CREDENTIALS_DIR, UPLOAD_DIR))
    }
    assert len(csv_files) == 12
    assert csv_files == xlsx_files


def test_a_workbook_unreadable_further_down_stops_the_batch_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """Exit 2 means the results file cannot be used: no credential may be written before that
    is known (a CSV file is read to its end first; a workbook must be too)."""
    definition = definition_file(tmp_path)
    whole = write_xlsx(tmp_path / "whole.xlsx", learner_rows(200))

    def comma_number(data: bytes) -> bytes:  # a decimal comma, as a home-made exporter might
        grade = b'<c r="F180" t="inlineStr"><is><t>8,5</t></is></c>'
        assert grade in data
        return data.replace(grade, b'<c r="F180" t="n"><v>8,5</v></c>')

    damaged = edit_sheet(whole, tmp_path / "damaged.xlsx", comma_number)
    ledger = tmp_path / "ledger.sqlite"
    with pytest.raises(SourceError, match="cannot be read"):
        _issue(definition, damaged, tmp_path / "out", ledger=ledger, chunk_size=8)
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.name != "ledger.sqlite"]
    assert written == []
    with open_ledger(ledger) as store:
        assert list(store.credentials()) == []


def test_rerun_is_byte_identical_and_never_duplicates(demo_run: DemoRun, tmp_path: Path) -> None:
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite"
    shutil.copytree(demo_run.out, out)
    shutil.copy(demo_run.ledger, ledger)
    first = demo_run.result
    before = snapshot(demo_run.out)
    assert snapshot(out) == before
    with open_ledger(ledger) as store:
        events_before = sum(1 for _ in store.events())
    second = issue_batch(demo_run.definition, demo_run.results, out, ledger=ledger, images=False)
    assert snapshot(out) == before
    assert second.counts == first.counts
    with open_ledger(ledger) as store:
        assert sum(1 for _ in store.events()) == events_before
        learners = [c.learner_id for c in store.credentials()]
    assert len(learners) == len(set(learners)) == first.issued


def test_validity_date_comes_from_the_first_issue(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    ledger = tmp_path / "ledger.sqlite"
    results = write_csv(tmp_path / "r.csv", learner_rows(2))
    _issue(definition, results, tmp_path / "a", ledger=ledger, valid_from=VALID_FROM)
    more = write_csv(tmp_path / "r2.csv", learner_rows(3))
    before = datetime.now(UTC).replace(microsecond=0)
    _issue(definition, more, tmp_path / "b", ledger=ledger, valid_from=None)
    after = datetime.now(UTC)
    rows = {r["learner_id"]: r for r in read_manifest(tmp_path / "b")}
    old = json.loads((tmp_path / "b" / rows["E00000"]["file"]).read_text(encoding="utf-8"))
    new = json.loads((tmp_path / "b" / rows["E00002"]["file"]).read_text(encoding="utf-8"))
    assert old["validFrom"].startswith("2026-06-22T09:00:00")
    assert before <= datetime.fromisoformat(new["validFrom"].replace("Z", "+00:00")) <= after
    assert (tmp_path / "a" / rows["E00000"]["file"]).read_bytes() == (
        tmp_path / "b" / rows["E00000"]["file"]
    ).read_bytes()


def test_zip_bundle_holds_every_output_and_is_reproducible(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    results = write_csv(tmp_path / "r.csv", learner_rows(4))
    first = _issue(definition, results, tmp_path / "a")
    second = _issue(definition, results, tmp_path / "b")
    bundle_a, bundle_b = first.bundle, second.bundle  # type: ignore[attr-defined]
    assert bundle_a.read_bytes() == bundle_b.read_bytes()
    with zipfile.ZipFile(bundle_a) as archive:
        names = archive.namelist()
        assert names[-2:] == ["manifest.csv", "manifest.json"]  # written last
        assert len(names) == 2 + 4 * 2
        for name in names:
            assert archive.read(name) == (tmp_path / "a" / name).read_bytes()


def test_malformed_rows_are_reported_with_their_numbers_and_never_stop_the_others(
    tmp_path: Path,
) -> None:
    definition = definition_file(tmp_path)
    rows = learner_rows(5)
    rows[1][5] = "excelente"  # not a grade
    rows[3][7] = "31/02/2026"  # not a date
    rows[4][5] = "nan"  # not a grade either: it compares as passing with every mark
    rows.insert(2, ["", "Sin", "Expediente", "", "", "7", "90", ""])  # no learner id
    rows.append(list(rows[0]))  # the same learner again
    out = tmp_path / "out"
    result = _issue(definition, write_csv(tmp_path / "r.csv", rows), out)
    manifest = read_manifest(out)
    by_state: dict[str, list[int]] = {}
    for row in manifest:
        by_state.setdefault(row["state"], []).append(row["row"])
    assert by_state["malformed"] == [3, 4, 6, 7]  # as a spreadsheet numbers them: heading = 1
    assert by_state["duplicate"] == [8]
    assert by_state["issued"] == [2, 5]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    messages = {row["row"]: row["reasons"][0] for row in manifest if row["state"] == "malformed"}
    assert "grade" in messages[3] and "learner_id" in messages[4] and "date" in messages[6]
    assert "finite" in messages[7]
    with (out / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert [int(r["row"]) for r in csv_rows] == [r["row"] for r in manifest]
    assert [r["state"] for r in csv_rows] == [r["state"] for r in manifest]


def test_records_from_an_iterable(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    records = [
        {
            "learner_id": "A1",
            "given_name": "Ona",
            "family_name": "Bellmunt",
            "grade": 8,
            "attendance": 95,
        },
        {"learner_id": "A2", "given_name": "Nil", "grade": "tres", "attendance": 95},
        {"learner_id": "A3", "given_name": "Pau", "passed": False, "attendance": 95},
        # one name only, written as an empty or a null family name
        {"learner_id": "A4", "given_name": "Ainhoa", "family_name": "", "grade": 7, "attendance": 95},
        {"learner_id": "A5", "given_name": "Xabier", "family_name": None, "grade": 7, "attendance": 95},
    ]
    result = _issue(definition, records, tmp_path / "out")
    assert [r["row"] for r in read_manifest(tmp_path / "out")] == [1, 2, 3, 4, 5]  # positions
    assert [r["state"] for r in read_manifest(tmp_path / "out")] == [
        "issued",
        "malformed",
        "not-eligible",
        "issued",
        "issued",
    ]
    assert result.issued == 3  # type: ignore[attr-defined]


def test_record_keys_that_are_not_read_are_warned(tmp_path: Path) -> None:
    # a grade under a key no field reads leaves the learner without a grade: say so
    definition = definition_file(tmp_path)
    records = [
        {"learner_id": "A1", "given_name": "Ona", "grade": 8, "attendance": 95},
        {"learner_id": "A2", "given_name": "Nil", "nota": 9, "attendance": 95},
        {"learner_id": "A3", "given_name": "Pau", "nota": 7, "attendance": 95},
    ]
    result = _issue(definition, records, tmp_path / "out")
    assert isinstance(result, BatchResult)
    assert result.not_eligible == 2
    said = [warning for warning in result.warnings if "'nota'" in warning]
    assert len(said) == 1, result.warnings
    assert "learner_id" in said[0]
    warned: list[str] = []
    from elmkit.microcredentials import read_results

    list(read_results([{"learner_id": "A1", "given_name": "Ona", "grade": 8}], warn=warned.append))
    assert warned == []


def test_invalid_credentials_are_reported_not_written(tmp_path: Path) -> None:
    # No quality assurance: Annex I element 11 is missing, so every credential is invalid.
    definition = definition_file(tmp_path, {"quality_assurance": None})
    out = tmp_path / "out"
    result = _issue(definition, write_csv(tmp_path / "r.csv", learner_rows(3)), out)
    assert result.invalid == 3 and result.issued == 0  # type: ignore[attr-defined]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    rows = read_manifest(out)
    assert all(row["state"] == "invalid" and row["file"] == "" for row in rows)
    codes = {f["code"] for row in rows for f in row["findings"] if f["severity"] == "error"}
    assert any("quality-assurance" in code for code in codes)
    assert not list((out / CREDENTIALS_DIR).glob("*")) if (out / CREDENTIALS_DIR).exists() else True
    assert result.problems[0].findings  # type: ignore[attr-defined]


def test_no_images_is_accepted_for_europass_upload_with_a_warning(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    out = tmp_path / "out"
    result = _issue(definition, write_csv(tmp_path / "r.csv", learner_rows(1)), out, images=False)
    assert result.issued == 1  # type: ignore[attr-defined]
    (row,) = read_manifest(out)
    warnings = [
        f for f in row["findings"] if f["path"].startswith("/displayParameter/individualDisplay")
    ]
    assert warnings and all(f["severity"] == "warning" for f in warnings)


def test_definition_mistakes_name_the_file_and_the_field(tmp_path: Path) -> None:
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    bad_mode = definition_file(tmp_path, {"mode": "telepathic"}, name="bad-mode.json")
    with pytest.raises(SourceError) as caught:
        _issue(bad_mode, results, tmp_path / "out")
    assert caught.value.file == str(bad_mode) and caught.value.path == "mode"
    assert "bad-mode.json" in str(caught.value)

    bad_ects = definition_file(tmp_path, {"ects": -3}, name="bad-ects.json")
    with pytest.raises(SourceError) as caught:
        _issue(bad_ects, results, tmp_path / "out")
    assert caught.value.path == "ects" and "bad-ects.json" in str(caught.value)

    yaml_file = tmp_path / "broken.yaml"
    yaml_file.write_text('id: x\ntitle: {en: "t"\n  bad: [\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"at line 3, column 3$") as caught:
        _issue(yaml_file, results, tmp_path / "out")
    assert "\n" not in str(caught.value) and "<unicode string>" not in str(caught.value)

    toml = tmp_path / "broken.toml"
    toml.write_text('id = "x"\ntitle = {en = "t"\n', encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        _issue(toml, results, tmp_path / "out")
    assert "broken.toml" in str(caught.value)
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize(
    ("changes", "path", "reason"),
    [
        ({"awarding_body.homepage": "www.uni.example"}, "awarding_body.homepage", "https://"),
        ({"hours": float("inf")}, "hours", "finite"),
        ({"hours": float("nan")}, "hours", "finite"),
        ({"hours": 1e30}, "hours", "less than or equal"),
        ({"grading.pass_mark": float("nan")}, "grading.pass_mark", "finite"),
        ({"title": {"es": [], "ca": [], "en": []}}, "title", "no text"),
        ({"start_date": 0}, "start_date", "not a date"),
        ({"eqf_level": True}, "eqf_level", "yes/no value"),
        ({"eqf_level": 9}, "eqf_level", "less than or equal to 8"),
        ({"hours": True}, "hours", "yes/no value"),
        ({"min_attendance": True}, "min_attendance", "yes/no value"),
        ({"min_attendance": 0.8}, "min_attendance", "0.8 would mean 0.8%, not 80% \\(write 80\\)"),
        ({"ects": 1e30}, "ects", "less than or equal"),
        ({"grading.max_grade": 0}, "grading.max_grade", "greater than 0"),
        ({"grading.pass_mark": -1}, "grading.pass_mark", "greater than or equal to 0"),
        ({"grading.pass_mark": 11}, "grading", "nobody could pass"),
        ({"id": ""}, "id", "at least 1 character"),
        ({"id": "  "}, "id", "pattern"),
        ({"awarding_body.email": "x"}, "awarding_body.email", "not an e-mail address"),
        ({"title": "Intel·ligència artificial"}, "title", "plain text, which states no language"),
        ({"awarding_body.legal_name": "Universitat"}, "awarding_body.legal_name", "plain text"),
        ({"awarding_body.legal_name": {}}, "awarding_body.legal_name", "no text in any language"),
        ({"quality_assurance.text": {}}, "quality_assurance.text", "no text in any language"),
        ({"learning_outcomes": [{"title": {}}]}, "learning_outcomes.0.title", "no text in any language"),
    ],
)
def test_definition_values_that_cannot_make_a_credential(
    tmp_path: Path, changes: dict[str, Any], path: str, reason: str
) -> None:
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    bad = definition_file(tmp_path, changes, name="bad.json")
    with pytest.raises(SourceError, match=reason) as caught:
        _issue(bad, results, tmp_path / "out")
    assert caught.value.file == str(bad) and caught.value.path == path
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("images", [False, True])
def test_a_logo_that_is_not_an_image_is_named(tmp_path: Path, images: bool) -> None:
    if images:
        pytest.importorskip("PIL")
    logo = tmp_path / "logo.png"
    logo.write_text("not an image", encoding="utf-8")
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    definition = definition_file(tmp_path, {"awarding_body.logo": str(logo)})
    with pytest.raises(SourceError, match="logo is not a PNG or JPEG image") as caught:
        _issue(definition, results, tmp_path / "out", images=images)
    assert caught.value.file == str(logo)
    assert not (tmp_path / "out").exists()


def test_an_email_left_empty_is_no_address(tmp_path: Path) -> None:
    from elmkit.microcredentials import load_definition

    for given, kept in (("", None), ("  ", None), (" info@uni.example ", "info@uni.example")):
        course = load_definition(definition_file(tmp_path, {"awarding_body.email": given}))
        assert course.awarding_body.email == kept
    blanks = {f"awarding_body.{name}": " " for name in ("region", "address", "homepage", "id")}
    body = load_definition(definition_file(tmp_path, blanks)).awarding_body
    assert (body.region, body.address, body.homepage, body.id) == (None, None, None, None)


def test_a_language_given_an_empty_list_has_no_text(tmp_path: Path) -> None:
    from elmkit.model.text import LangText

    assert LangText({"ca": [], "es": "Curs"}) == LangText({"es": "Curs"})
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    definition = definition_file(tmp_path, {"description": {"ca": [], "es": "Curso"}})
    assert _issue(definition, results, tmp_path / "out").counts[RowState.ISSUED] == 1


def test_a_batch_cleans_temporary_files_only_where_it_writes(tmp_path: Path) -> None:
    """An output folder may be a large shared one: a killed run's temporary files are looked
    for in the folders a batch writes, not in every folder below it."""
    from elmkit.microcredentials.files import TEMP_PREFIX

    out = tmp_path / "out"
    stale = f"{TEMP_PREFIX}999999999-1-x.part"  # a process that no longer runs
    for sub in ("", "credentials", "withdrawn/sealed", "other/deep"):
        (out / sub).mkdir(parents=True, exist_ok=True)
        (out / sub / stale).write_bytes(b"{half")
    _issue(definition_file(tmp_path), write_csv(tmp_path / "r.csv", learner_rows(1)), out)
    left = sorted(str(p.relative_to(out).parent) for p in out.rglob(f"{TEMP_PREFIX}*"))
    assert left == ["other/deep"]


def test_unusable_results_file(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    with pytest.raises(SourceError, match="not found"):
        _issue(definition, tmp_path / "missing.csv", tmp_path / "out")
    no_ids = write_csv(tmp_path / "no-ids.csv", [["Ana", "8"]], header=("nombre", "nota"))
    with pytest.raises(SourceError, match="learner_id"):
        _issue(definition, no_ids, tmp_path / "out")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("expediente;nombre;nota\n1;Begoña;8\n".encode("latin-1"))
    with pytest.raises(SourceError, match="UTF-8"):
        _issue(definition, latin1, tmp_path / "out")


def test_a_definition_given_as_a_mapping_is_named_by_no_file(tmp_path: Path) -> None:
    # the mapping an SIS builds from its database is no file: errors do not print it as one
    data = json.loads(definition_file(tmp_path).read_text(encoding="utf-8"))
    results = write_csv(tmp_path / "r.csv", learner_rows(2))
    ledger = tmp_path / "ledger.sqlite"
    first = issue_batch(data, results, tmp_path / "out", images=False, ledger=ledger)
    assert first.issued == 2
    changed = {**data, "hours": data["hours"] + 1}
    with pytest.raises(SourceError, match="new 'version'") as caught:
        issue_batch(changed, results, tmp_path / "out", images=False, ledger=ledger)
    assert not caught.value.file
    assert "{" not in str(caught.value)


def test_one_profile_name_given_as_text(tmp_path: Path) -> None:
    # a str is a Sequence[str] to a type checker: read it as one name, as elmkit.validate does
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    result = _issue(definition_file(tmp_path), results, tmp_path / "out", profiles="edc-ap")
    assert isinstance(result, BatchResult)
    assert result.profiles == ("edc-ap",)


def test_changed_definition_needs_a_new_version(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    _issue(definition_file(tmp_path), results, tmp_path / "out", ledger=ledger)
    changed = definition_file(tmp_path, {"hours": 80}, name="changed.json")
    with pytest.raises(SourceError, match="new 'version'"):
        _issue(changed, results, tmp_path / "out", ledger=ledger)
    bumped = definition_file(tmp_path, {"hours": 80, "version": "2"}, name="bumped.json")
    result = _issue(bumped, results, tmp_path / "out", ledger=ledger)
    assert result.issued == 1  # type: ignore[attr-defined]
    with open_ledger(ledger) as store:
        (credential,) = list(store.credentials())
        assert [e.event.value for e in store.history(credential.credential_id)] == [
            "defined",
            "generated",
            "exported",
            "regenerated",
            "exported",
        ]
        assert {d.version for d in store.definitions()} == {"1", "2"}


def test_a_new_credential_records_the_definition_version_it_was_issued_from(
    tmp_path: Path,
) -> None:
    ledger = tmp_path / "ledger.sqlite"
    first = definition_file(tmp_path)
    bumped = definition_file(tmp_path, {"hours": 80, "version": "2"}, name="bumped.json")
    _issue(first, write_csv(tmp_path / "a.csv", learner_rows(1)), tmp_path / "a", ledger=ledger)
    _issue(bumped, write_csv(tmp_path / "b.csv", learner_rows(1)), tmp_path / "b", ledger=ledger)
    # a later run of version 1 (another group of the same course) with a learner new to it
    _issue(first, write_csv(tmp_path / "c.csv", learner_rows(2)), tmp_path / "c", ledger=ledger)
    with open_ledger(ledger) as store:
        versions = {c.learner_id: c.definition_version for c in store.credentials()}
        defined = next(iter(store.history(credential_id(load_definition(first), "E00001"))))
    assert versions == {"E00000": "1", "E00001": "1"}
    assert defined.detail["definition_version"] == "1"


def test_revoked_credentials_are_not_produced_again(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    ledger = tmp_path / "ledger.sqlite"
    results = write_csv(tmp_path / "r.csv", learner_rows(2))
    _issue(definition, results, tmp_path / "out", ledger=ledger)
    cid = credential_id(load_definition(definition), "E00001")
    with open_ledger(ledger) as store:
        store.record(cid, "revoked", "registrar")
    result = _issue(definition, results, tmp_path / "out", ledger=ledger)
    states = {r["learner_id"]: r["state"] for r in read_manifest(tmp_path / "out")}
    assert states == {"E00000": "issued", "E00001": "skipped"}
    assert result.exit_code == 0  # type: ignore[attr-defined]


def test_files_of_credentials_withdrawn_since_leave_the_delivered_folders(tmp_path: Path) -> None:
    """A revoked (or suspended) credential's files must not wait in credentials/ or europass/
    to be uploaded by hand; an unsuspended one is written there again."""
    import zipfile

    definition = definition_file(tmp_path)
    ledger = tmp_path / "ledger.sqlite"
    results = write_csv(tmp_path / "r.csv", learner_rows(3))
    out = tmp_path / "out"
    _issue(definition, results, out, ledger=ledger)
    files = {r["learner_id"]: (r["file"], r["upload_file"]) for r in read_manifest(out)}
    course = load_definition(definition)
    sealed = out / "sealed" / (Path(files["E00001"][0]).stem + ".json")
    sealed.parent.mkdir()
    sealed.write_bytes(b"{}")  # as issue --seal leaves it
    kept = (out / files["E00001"][0]).read_bytes()
    with open_ledger(ledger) as store:
        store.record(credential_id(course, "E00001"), "revoked", "registrar")
        store.record(credential_id(course, "E00002"), "suspended", "registrar")
    _issue(definition, results, out, ledger=ledger)
    rows = {r["learner_id"]: r for r in read_manifest(out)}
    for learner in ("E00001", "E00002"):
        assert rows[learner]["state"] == "skipped"
        assert rows[learner]["reasons"][1].startswith("moved to withdrawn/")
        for name in files[learner]:
            assert not (out / name).exists()
            assert (out / "withdrawn" / name).is_file()
    assert not sealed.exists() and (out / "withdrawn/sealed" / sealed.name).is_file()
    assert (out / "withdrawn" / files["E00001"][0]).read_bytes() == kept
    with zipfile.ZipFile(next(out.glob("*.zip"))) as bundle:
        assert not any("E00001" in n or "E00002" in n for n in bundle.namelist())
    with open_ledger(ledger) as store:
        store.record(credential_id(course, "E00002"), "unsuspended", "registrar")
    _issue(definition, results, out, ledger=ledger)
    rows = {r["learner_id"]: r for r in read_manifest(out)}
    assert rows["E00002"]["state"] == "issued"
    assert all((out / name).is_file() for name in files["E00002"])
    assert rows["E00001"]["reasons"] == ["the credential is revoked in the ledger"]


@dataclass
class SealedRun:
    """A batch issued with a ledger, each credential's sealed file written as ``issue --seal``
    leaves it; ``reissue`` runs it again on ``rows``."""

    definition: Path
    ledger: Path
    out: Path
    rows: list[list[Any]]
    seals: dict[str, Path]

    def reissue(self) -> BatchResult:
        results = write_csv(self.out.parent / "r.csv", self.rows)
        result = _issue(self.definition, results, self.out, ledger=self.ledger)
        assert isinstance(result, BatchResult)
        return result


def _sealed_run(tmp_path: Path, learners: int) -> SealedRun:
    definition = definition_file(tmp_path)
    course = load_definition(definition)
    run = SealedRun(definition, tmp_path / "ledger.sqlite", tmp_path / "out", learner_rows(learners), {})
    run.reissue()
    (run.out / "sealed").mkdir()
    for row in run.rows:
        seal = run.out / "sealed" / f"{file_stem(course, row[0])}.json"
        seal.write_text(f'{{"sealed": "{row[0]}"}}', encoding="utf-8")
        run.seals[row[0]] = seal
    return run


def test_the_seal_of_a_regenerated_credential_leaves_the_delivered_folder(tmp_path: Path) -> None:
    """A corrected grade regenerates the credential: its sealed file holds the old grade and
    must not wait in sealed/ to be delivered; the other seals stay."""
    run = _sealed_run(tmp_path, 2)
    seals, out = run.seals, run.out
    run.rows[0][5] = "9,5"
    result = run.reissue()
    name = f"sealed/{seals['E00000'].name}"
    assert result.superseded_seals == (name,)
    assert result.to_dict()["superseded_seals"] == [name]
    assert not seals["E00000"].exists() and seals["E00001"].is_file()
    assert (out / "withdrawn" / name).read_text(encoding="utf-8") == '{"sealed": "E00000"}'
    manifest = {r["learner_id"]: r for r in read_manifest(out)}
    assert manifest["E00000"]["state"] == "issued"
    assert manifest["E00000"]["reasons"][0].startswith(f"{name} sealed the credential before")
    assert manifest["E00001"]["reasons"] == []
    assert run.reissue().superseded_seals == ()


def test_a_second_correction_keeps_the_seal_the_first_withdrew(tmp_path: Path) -> None:
    """Each superseded seal is a document somebody may have received: a second correction must
    not overwrite the first one's in withdrawn/sealed/; the earlier is kept, named by its digest."""
    run = _sealed_run(tmp_path, 1)
    seal = run.seals["E00000"]
    withdrawn = run.out / "withdrawn" / "sealed" / seal.name
    for grade, text in (("9,5", '{"sealed": "first"}'), ("9,0", '{"sealed": "second"}')):
        seal.write_text(text, encoding="utf-8")
        run.rows[0][5] = grade
        assert run.reissue().superseded_seals == (f"sealed/{seal.name}",)
        assert withdrawn.read_text(encoding="utf-8") == text
    first = hashlib.sha256(b'{"sealed": "first"}').hexdigest()[:16]
    kept = withdrawn.with_name(f"{seal.stem}.{first}.json")
    assert kept.read_text(encoding="utf-8") == '{"sealed": "first"}'
    assert sorted(p.name for p in withdrawn.parent.iterdir()) == sorted([seal.name, kept.name])


def test_a_superseded_seal_that_cannot_be_moved_is_a_warning_of_the_batch(tmp_path: Path) -> None:
    """The seal of a regenerated credential that stays in sealed/ (withdrawn/ cannot be written)
    must not be said only in the reasons of an issued row, which issue's summary does not show."""
    run = _sealed_run(tmp_path, 1)
    seal = run.seals["E00000"]
    (run.out / "withdrawn").mkdir()
    (run.out / "withdrawn" / "sealed").write_bytes(b"")  # a file where the folder should be
    run.rows[0][5] = "9,5"
    result = run.reissue()
    assert result.superseded_seals == ()
    assert seal.is_file()
    (warning,) = result.warnings
    assert warning.startswith(f"sealed/{seal.name} seals the credential before this change")
    assert "do not deliver it" in warning and result.to_dict()["warnings"] == [warning]
    (row,) = read_manifest(run.out)
    assert row["state"] == "issued" and row["reasons"] == [warning]


def test_each_row_says_what_the_run_did_to_its_credential(tmp_path: Path) -> None:
    """``ManifestRow.change`` and ``BatchResult.changes`` come from the ledger: new, then
    unchanged; regenerated for a changed grade, re-exported for a changed wallet (upload file
    only), withdrawn once revoked, restored for a file deleted; written without a ledger."""
    definition = definition_file(tmp_path)
    course = load_definition(definition)
    ledger = tmp_path / "ledger.sqlite"
    header = (*HEADER, "wallet")
    rows = [[*row, ""] for row in learner_rows(4)]
    rows[3][5] = "2"  # not eligible: nothing written, no change
    out = tmp_path / "out"

    def run(**options: object) -> tuple[dict[str, CredentialChange | None], dict[str, int]]:
        seen: list[ManifestRow] = []
        options.setdefault("ledger", ledger)
        results = write_csv(tmp_path / "r.csv", rows, header)
        result = _issue(definition, results, out, progress=seen.append, **options)
        assert isinstance(result, BatchResult)
        assert set(result.changes) == set(CredentialChange)
        counts = {change.value: n for change, n in result.changes.items() if n}
        return {row.learner_id: row.change for row in seen}, counts

    assert run() == (
        {"E00000": "new", "E00001": "new", "E00002": "new", "E00003": None},
        {"new": 3},
    )
    unchanged = {"E00000": "unchanged", "E00001": "unchanged", "E00002": "unchanged"}
    assert run()[0] == {**unchanged, "E00003": None}
    rows[0][5] = "9,5"
    rows[1][8] = "https://wallet.example/e1"
    with open_ledger(ledger) as store:
        store.record(credential_id(course, "E00002"), "revoked", "registrar")
    changes, counts = run()
    assert changes == {
        "E00000": "regenerated",
        "E00001": "re-exported",
        "E00002": "withdrawn",
        "E00003": None,
    }
    assert counts == {"regenerated": 1, "re-exported": 1, "withdrawn": 1}
    assert run()[0]["E00002"] is None  # its files were moved already
    (out / CREDENTIALS_DIR / f"{file_stem(course, 'E00000')}.jsonld").unlink()
    restored = {**unchanged, "E00000": "restored", "E00002": None, "E00003": None}
    assert run()[0] == restored
    assert run(ledger=None, workers=2)[1] == {"written": 3}  # no ledger: the revoked one too


def test_module_of_a_degree_is_part_of_the_programme(tmp_path: Path) -> None:
    definition = definition_file(
        tmp_path,
        {
            "id": "upvf-grado-infantil-m3",
            "kind": "module",
            "ects": 6,
            "hours": 150,
            "learning_setting": "formal learning",
            "part_of": {
                "title": {
                    "es": "Grado en Maestro en Educación Infantil",
                    "ca": "Grau de Mestre en Educació Infantil",
                    "en": "Bachelor's Degree in Early Childhood Education",
                },
                "eqf_level": 6,
                "ects": 240,
            },
        },
    )
    out = tmp_path / "out"
    result = _issue(definition, write_csv(tmp_path / "r.csv", learner_rows(2)), out)
    assert result.issued == 2, result.problems  # type: ignore[attr-defined]
    row = read_manifest(out)[0]
    document = json.loads((out / row["file"]).read_text(encoding="utf-8"))
    spec = document["credentialSubject"]["hasClaim"]
    spec = spec[0] if isinstance(spec, list) else spec
    qualification = spec["specifiedBy"]
    assert qualification["type"] == "Qualification"
    assert qualification["isPartialQualification"] is True
    parent = qualification["isPartOf"]
    parent = parent[0] if isinstance(parent, list) else parent
    assert "Grau de Mestre" in json.dumps(parent["title"], ensure_ascii=False)
    dc_type = qualification["dcType"]
    dc_type = dc_type[0] if isinstance(dc_type, list) else dc_type
    assert "Programme module" in json.dumps(dc_type)


def test_worker_processes_give_the_same_files(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    results = write_csv(tmp_path / "r.csv", learner_rows(12))
    _issue(definition, results, tmp_path / "one", workers=1, chunk_size=3)
    _issue(definition, results, tmp_path / "two", workers=2, chunk_size=3)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_stable_names_and_delivery_details(tmp_path: Path) -> None:
    definition = load_definition(definition_file(tmp_path))
    assert file_stem(definition, "E/01 ñ") == file_stem(definition, "E/01 ñ")
    assert file_stem(definition, "E/01") != file_stem(definition, "E_01")
    assert "/" not in file_stem(definition, "../../etc/passwd")
    from elmkit.microcredentials import LearnerResult

    learner = LearnerResult(
        learner_id="1",
        given_name="Ona",
        email="ona@example.org",
        wallet="https://wallet.example/ona",
    )
    details = delivery_details(definition, learner)
    assert details["deliveryAddress"] == ["https://wallet.example/ona", "mailto:ona@example.org"]
    assert details["walletAddress"] == "https://wallet.example/ona"
    assert details["displayLanguages"] == ["es", "ca", "en"]
    without = delivery_details(definition, LearnerResult(learner_id="2", given_name="Nil"))
    assert without == {"displayLanguages": ["es", "ca", "en"]}


@pytest.mark.parametrize(
    ("wallet", "email", "addresses"),
    [
        # a Europass wallet is often the learner's own e-mail address: one address, once
        ("ona@example.org", "ona@example.org", ["mailto:ona@example.org"]),
        ("Ona@Example.org", "ona@example.org", ["mailto:Ona@Example.org"]),
        (" mailto:ona@example.org ", "ona@example.org", ["mailto:ona@example.org"]),
        ("wallet@example.org", "ona@example.org", ["mailto:wallet@example.org", "mailto:ona@example.org"]),
        # a wallet that is no address is the walletAddress only, never mailto: of it
        ("did:ebsi:zvHWX359A3CvfJnCYaAiAde", "ona@example.org", ["mailto:ona@example.org"]),
        ("cartera-7731", None, None),
        ("HTTPS://wallet.example/ona", None, ["HTTPS://wallet.example/ona"]),
    ],
)
def test_delivery_addresses_are_addresses_given_once(
    tmp_path: Path, wallet: str, email: str | None, addresses: list[str] | None
) -> None:
    from elmkit.microcredentials import LearnerResult

    definition = load_definition(definition_file(tmp_path))
    learner = LearnerResult(learner_id="1", given_name="Ona", email=email, wallet=wallet)
    details = delivery_details(definition, learner)
    assert details.get("deliveryAddress") == addresses
    assert details["walletAddress"] == wallet.strip()


def test_progress_reports_every_row_in_input_order(tmp_path: Path) -> None:
    definition = definition_file(tmp_path)
    rows = learner_rows(9)
    rows[4][5] = "2"
    seen: list[tuple[int, RowState]] = []
    _issue(
        definition,
        write_csv(tmp_path / "r.csv", rows),
        tmp_path / "out",
        chunk_size=2,
        progress=lambda row: seen.append((row.row, row.state)),
    )
    assert [n for n, _ in seen] == list(range(2, 11))  # the heading is row 1
    assert seen[4][1] is RowState.NOT_ELIGIBLE


def _prefixed(path: Path, target: Path) -> Path:
    """``path`` with its first sheet's XML written with a namespace prefix (``<x:row>``)."""
    return edit_sheet(path, target, with_prefix)


def test_the_progress_total_counts_the_rows_of_the_sheet_read(tmp_path: Path) -> None:
    """count_rows (the progress bar's total) took the size the first sheet records: a hidden
    sheet's, an instructions sheet's, none (0) or too small a one, and formatted rows without
    values. It counts the rows the batch reports, in the sheet results are read from."""
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.styles import PatternFill

    from elmkit.microcredentials.batch import count_rows

    book = openpyxl.Workbook()
    earlier = book.active
    assert earlier is not None
    earlier.title = "Convocatoria anterior"
    for row in (HEADER, *learner_rows(30)):
        earlier.append(row)
    earlier.sheet_state = "hidden"
    book.create_sheet("Instrucciones").append(["Rellene la hoja Actas"])
    sheet = book.create_sheet("Actas")
    for row in (HEADER, *learner_rows(3), [], *learner_rows(2, start=3)):
        sheet.append(row)
    for line in range(1, 40):
        sheet[f"J{line}"].fill = PatternFill("solid", fgColor="FFF2CC")
    path = tmp_path / "r.xlsx"
    book.save(path)
    seen: list[int] = []
    totals: list[int] = []  # given by the batch's own reading, before the first row
    _issue(
        definition_file(tmp_path),
        path,
        tmp_path / "out",
        progress=lambda row: seen.append(row.row),
        on_total=lambda total: totals.append(total) if not seen else None,
    )
    assert count_rows(path) == len(seen) == 5
    assert totals == [5]
    assert count_rows(_prefixed(path, tmp_path / "prefixed.xlsx")) == 5

    unsized = openpyxl.Workbook(write_only=True)  # records no size
    only = unsized.create_sheet("Actas")
    for row in (HEADER, *learner_rows(4)):
        only.append(row)
    unsized.save(tmp_path / "unsized.xlsx")
    assert count_rows(tmp_path / "unsized.xlsx") == 4


def _shared_strings(path: Path, target: Path) -> Path:
    """``path`` with the text of its first sheet in a shared strings part, as Excel saves text
    (openpyxl writes it inline); an empty text cell is an empty shared string."""
    import re

    strings: list[bytes] = []

    def shared(match: re.Match[bytes]) -> bytes:
        text = match.group(2) or b""
        if text not in strings:
            strings.append(text)
        return match.group(1) + b' t="s"><v>%d</v></c>' % strings.index(text)

    inline = rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="inlineStr">(?:<is><t[^>]*>(.*?)</t></is>)?</c>'
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as written:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(inline, shared, data)
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                    b"</Relationships>",
                )
            written.writestr(item, data)
        table = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in strings)
        written.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
            b'uniqueCount="%d">%s</sst>' % (len(strings), len(strings), table),
        )
    return target


def test_the_progress_total_leaves_out_rows_of_empty_text(tmp_path: Path) -> None:
    """Values pasted over formulas that gave nothing (``=SI(A2="";"";…)``) are text cells
    holding an empty text, which Excel keeps in its shared strings: the rows below the learners
    hold only those, are not read, and were counted (a total of 23 for 3 rows read)."""
    openpyxl = pytest.importorskip("openpyxl")
    from elmkit.microcredentials.batch import count_rows

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Actas"
    for row in (HEADER, *learner_rows(3), *[[""] * len(HEADER)] * 20):
        sheet.append(row)
    book.save(tmp_path / "inline.xlsx")
    path = _shared_strings(tmp_path / "inline.xlsx", tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert b't="s"><v>' in archive.read("xl/worksheets/sheet1.xml")
    seen: list[int] = []
    _issue(definition_file(tmp_path), path, tmp_path / "out", progress=lambda row: seen.append(row.row))
    assert count_rows(path) == len(seen) == 3

@pytest.mark.slow
def test_every_demo_credential_with_pages_passes_edc_ap_at_ready(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    from elmkit.profiles import validate

    definition, results = demo_inputs(tmp_path / "input")
    out = tmp_path / "out"
    result = issue_batch(definition, results, out, images=True, workers=2)
    assert result.images and result.issued == 41 and result.invalid == 0
    for row in read_manifest(out):
        if row["state"] != "issued":
            continue
        assert not [f for f in row["findings"] if f["severity"] == "error"]
        report = validate(out / row["file"], profiles=("edc-ap",), stage="ready")
        assert report.ok, str(report)
        document = json.loads((out / row["file"]).read_text(encoding="utf-8"))
        displays = document["displayParameter"]["individualDisplay"]
        assert len(displays) == 3


def test_upload_file_is_exactly_what_dumps_writes(demo_run: DemoRun) -> None:
    from elmkit.serializers import dumps, load

    row = next(r for r in read_manifest(demo_run.out) if r["state"] == "issued")
    upload = (demo_run.out / row["upload_file"]).read_text(encoding="utf-8")
    credential = load(demo_run.out / row["file"])
    details = json.loads(upload)["deliveryDetails"]
    assert upload == dumps(credential, wrapper=True, delivery_details=details)
    assert (demo_run.out / row["file"]).read_text(encoding="utf-8") == dumps(credential)


def test_credentials_with_pages_pass_edc_ap_at_ready(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    from elmkit.profiles import validate

    definition = definition_file(tmp_path)
    out = tmp_path / "out"
    result = _issue(definition, write_csv(tmp_path / "r.csv", learner_rows(2)), out, images=True)
    assert result.images and result.issued == 2  # type: ignore[attr-defined]
    for row in read_manifest(out):
        assert row["findings"] == []
        report = validate(out / row["file"], profiles=("edc-ap",), stage="ready")
        assert report.ok, str(report)
        document = json.loads((out / row["file"]).read_text(encoding="utf-8"))
        displays = document["displayParameter"]["individualDisplay"]
        languages = {d["language"]["id"].rsplit("/", 1)[-1] for d in displays}
        assert languages == {"SPA", "CAT", "ENG"}
        image = displays[0]["displayDetail"]["image"]["content"]
        assert base64.b64decode(image)[:3] == b"\xff\xd8\xff"


def test_profiles_are_given_by_name(tmp_path: Path) -> None:
    from elmkit.profiles import ProfileError, get_profile

    definition = definition_file(tmp_path)
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    with pytest.raises(ProfileError, match="register_profile"):
        _issue(definition, results, tmp_path / "out", profiles=[get_profile("edc-ap")])
    with pytest.raises(ProfileError, match="unknown profile"):
        _issue(definition, results, tmp_path / "out2", profiles=["no-such-profile"])
    assert not (tmp_path / "out2" / "manifest.json").exists()


def test_a_failing_zip_loses_no_ledger_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from elmkit.microcredentials.files import ZipBundle

    definition = definition_file(tmp_path)
    results = write_csv(tmp_path / "r.csv", learner_rows(4))
    real_add = ZipBundle.add
    calls = 0

    def disk_full_on_the_third(self: ZipBundle, name: str, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_add(self, name, data)

    monkeypatch.setattr(ZipBundle, "add", disk_full_on_the_third)
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite"
    with pytest.raises(OSError, match="No space"):
        issue_batch(definition, results, out, ledger=ledger, images=False, chunk_size=2)
    published = {p: p.read_bytes() for p in (out / CREDENTIALS_DIR).glob("*.jsonld")}
    assert published  # the first chunk was published before the archive failed
    with open_ledger(ledger) as store:  # ... and recorded
        for data in published.values():
            credential_id_ = json.loads(data)["id"]
            assert store.get_credential(credential_id_) is not None
    assert not (out / "manifest.json").exists() and not (out / "upvf-2026-ia-docencia.zip").exists()
    monkeypatch.setattr(ZipBundle, "add", real_add)
    # run again later: the ledger knew every published credential, so its bytes are the same
    result = issue_batch(definition, results, out, ledger=ledger, images=False, chunk_size=2)
    assert result.issued == 4
    assert all(path.read_bytes() == data for path, data in published.items())


@pytest.mark.parametrize("grade", ["nan", "NaN", "inf", True, False])
def test_a_grade_that_is_not_a_finite_number_is_a_malformed_row(grade: Any) -> None:
    from elmkit.microcredentials import read_results
    from elmkit.microcredentials.records import RowError

    (row,) = read_results([{"learner_id": "L1", "given_name": "Ana", "grade": grade}])
    assert isinstance(row, RowError) and row.message.startswith("grade:")


@pytest.mark.parametrize("field", ["assessment_date", "date_of_birth"])
@pytest.mark.parametrize("value", [0, 45321, 45321.0, 1_700_000_000, True])
def test_a_number_where_a_result_date_belongs_is_a_malformed_row(field: str, value: Any) -> None:
    from elmkit.microcredentials import read_results
    from elmkit.microcredentials.records import RowError

    (row,) = read_results([{"learner_id": "L1", "given_name": "Ana", field: value}])
    assert isinstance(row, RowError), row  # not a day of 1970 (or of 2023, from a timestamp)
    assert row.message.startswith(f"{field}:") and "is a number" in row.message


def test_workbook_dates_are_read_from_date_cells_and_refused_from_number_cells(
    tmp_path: Path,
) -> None:
    from datetime import date, datetime

    from openpyxl import Workbook

    from elmkit.microcredentials import read_results
    from elmkit.microcredentials.records import LearnerResult, RowError

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["learner_id", "given_name", "grade", "assessment_date"])
    sheet.append(["L1", "Ana", 8, datetime(2026, 6, 30)])
    sheet.append(["L2", "Joan", 7, "30/06/2026"])
    sheet.append(["L3", "Miren", 9, 46203])  # the serial number of a date, in a number cell
    path = tmp_path / "results.xlsx"
    book.save(path)
    first, second, third = read_results(path)
    assert isinstance(first, LearnerResult) and first.assessment_date == date(2026, 6, 30)
    assert isinstance(second, LearnerResult) and second.assessment_date == date(2026, 6, 30)
    assert isinstance(third, RowError) and third.row == 4 and "is a number" in third.message


def test_arguments_of_the_wrong_kind_stop_the_batch_before_anything_is_written(
    tmp_path: Path,
) -> None:
    from elmkit.microcredentials import load_definition, read_results

    course = load_definition(definition_file(tmp_path))
    rows = [{"learner_id": "L1", "given_name": "Ana", "grade": "8"}]
    out = tmp_path / "out"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"valid_from": "2026-01-01"}, "valid_from is a datetime"),
        ({"actor": 5}, "actor names who issues"),
        ({"actor": " "}, "actor names who issues"),
        ({"workers": "2"}, "workers is a number"),
    ]
    for options, message in cases:
        with pytest.raises(SourceError, match=message):
            issue_batch(course, rows, out, ledger=tmp_path / "ledger.sqlite", **options)
        assert not out.exists() and not (tmp_path / "ledger.sqlite").exists()
    for results in (None, 5, b"a,b"):
        with pytest.raises(SourceError, match="results are a CSV/XLSX file or an iterable"):
            issue_batch(course, results, out)  # type: ignore[arg-type]
        assert not out.exists()
    with pytest.raises(SourceError, match="not NoneType"):
        list(read_results(None))  # type: ignore[arg-type]
    for source in (None, 5, []):
        with pytest.raises(SourceError, match="a definition is a file or a mapping"):
            load_definition(source)  # type: ignore[arg-type]


def test_a_learner_twice_with_another_result_is_a_conflict_not_a_quiet_choice(
    tmp_path: Path,
) -> None:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import RowState, read_manifest

    course = load_definition(definition_file(tmp_path))
    rows = [
        {"learner_id": "L7", "given_name": "Ana", "grade": "3", "attendance": "90"},
        {"learner_id": "L8", "given_name": "Joan", "grade": "9", "attendance": "90"},
        {"learner_id": "L7", "given_name": "Ana", "grade": "8", "attendance": "90"},  # the resit
        {"learner_id": "L8", "given_name": "Joan", "grade": "9", "attendance": "90"},  # again
    ]
    result = issue_batch(course, rows, tmp_path / "out", ledger=tmp_path / "l.sqlite", images=False)
    states = [row["state"] for row in read_manifest(result.manifest_json)]
    assert states == ["not-eligible", "issued", "conflict", "duplicate"]
    assert result.counts[RowState.CONFLICT] == 1 and not result.ok and result.exit_code == 1
    conflict = next(r for r in result.problems if r.state is RowState.CONFLICT)
    assert "row 1" in conflict.reasons[0] and "grade 3.0 there, 8.0 here" in conflict.reasons[0]


def test_a_row_whose_pass_flag_and_grade_disagree_is_a_conflict(tmp_path: Path) -> None:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import RowState, read_manifest

    course = load_definition(definition_file(tmp_path))
    rows = [
        {"learner_id": "L1", "given_name": "Ana", "passed": "sí", "grade": "3", "attendance": "90"},
        {"learner_id": "L2", "given_name": "Joan", "passed": "no", "grade": "8", "attendance": "90"},
        {"learner_id": "L3", "given_name": "Iker", "passed": "sí", "grade": "8", "attendance": "90"},
        {"learner_id": "L4", "given_name": "Uxía", "passed": "sí", "attendance": "90"},
    ]
    result = issue_batch(course, rows, tmp_path / "out", ledger=tmp_path / "l.sqlite", images=False)
    manifest = list(read_manifest(result.manifest_json))
    assert [row["state"] for row in manifest] == ["conflict", "conflict", "issued", "issued"]
    assert "marked passed, but the grade 3 is below the pass mark" in manifest[0]["reasons"][0]
    assert result.counts[RowState.CONFLICT] == 2 and result.exit_code == 1


def test_a_learner_no_longer_eligible_after_an_earlier_issue_is_a_conflict(tmp_path: Path) -> None:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import RowState, read_manifest

    course = load_definition(definition_file(tmp_path))
    out, ledger = tmp_path / "out", tmp_path / "l.sqlite"
    passed = [{"learner_id": "L60", "given_name": "Ana", "grade": "8", "attendance": "90"}]
    first = issue_batch(course, passed, out, ledger=ledger, images=False)
    assert first.issued == 1
    corrected = [{**passed[0], "grade": "3"}]
    again = issue_batch(course, corrected, out, ledger=ledger, images=False)
    (row,) = read_manifest(again.manifest_json)
    assert row["state"] == RowState.CONFLICT.value and again.exit_code == 1
    assert "grade 3 below the pass mark" in row["reasons"][0]
    assert "an earlier run issued this credential (now exported" in row["reasons"][1]
    assert row["credential_id"]
    fresh = issue_batch(course, corrected, tmp_path / "other", ledger=tmp_path / "new.sqlite", images=False)
    assert [r["state"] for r in read_manifest(fresh.manifest_json)] == ["not-eligible"]


@pytest.mark.parametrize("same_date", [False, True])
def test_a_credential_another_run_claims_meanwhile_is_never_written_in_a_second_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, same_date: bool
) -> None:
    from elmkit.ledger import open_ledger
    from elmkit.microcredentials import batch as batch_module
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import read_manifest

    course = load_definition(definition_file(tmp_path))
    ledger_path, out = tmp_path / "l.sqlite", tmp_path / "out"
    rows = [{"learner_id": "L1", "given_name": "Ana", "grade": "8", "attendance": "90"}]
    other_date = "2026-01-01T00:00:00+00:00"
    real_prepare = batch_module._Batch.prepare

    def racing_prepare(self: Any, slot: Any) -> Any:
        job = real_prepare(self, slot)
        when = slot.valid_from.isoformat() if same_date else other_date
        with open_ledger(ledger_path) as other_run:  # claims it between reading and writing
            other_run.claim_credential(
                slot.credential_id, course.id, "L1", actor="other run", detail={"valid_from": when}
            )
        return job

    monkeypatch.setattr(batch_module._Batch, "prepare", racing_prepare)
    result = issue_batch(course, rows, out, ledger=ledger_path, images=False)
    (row,) = read_manifest(result.manifest_json)
    if same_date:  # the other run writes the very same bytes: nothing is lost
        assert row["state"] == "issued" and result.exit_code == 0
        return
    assert row["state"] == "error" and "another run issued this credential" in row["reasons"][0]
    assert result.exit_code == 1
    assert not any(out.glob("credentials/*.jsonld")) and not any(out.glob("europass/*.json"))
    with open_ledger(ledger_path) as store:
        events = [e.event.value for e in store.history(row["credential_id"])]
    assert events == ["defined"]  # nothing of this run's version was recorded


@pytest.mark.parametrize("event", ["revoked", "suspended"])
def test_a_credential_withdrawn_while_the_batch_runs_is_skipped_not_a_failed_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, event: str
) -> None:
    from elmkit.ledger import open_ledger
    from elmkit.microcredentials import batch as batch_module
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import read_manifest

    course = load_definition(definition_file(tmp_path))
    ledger_path, out = tmp_path / "l.sqlite", tmp_path / "out"
    rows = [
        {"learner_id": learner, "given_name": "Ana", "grade": "8", "attendance": "90"}
        for learner in ("L1", "L2")
    ]
    issue_batch(course, rows, out, ledger=ledger_path, images=False)
    real_prepare = batch_module._Batch.prepare

    def racing_prepare(self: Any, slot: Any) -> Any:
        job = real_prepare(self, slot)
        if slot.learner.learner_id == "L1":  # the registrar withdraws it meanwhile
            with open_ledger(ledger_path) as registrar:
                registrar.record(slot.credential_id, event, "registrar")
        return job

    monkeypatch.setattr(batch_module._Batch, "prepare", racing_prepare)
    batch = [*rows, {**rows[0], "learner_id": "L3"}]
    result = issue_batch(course, batch, out, ledger=ledger_path, images=False)
    states = {row["learner_id"]: row["state"] for row in read_manifest(result.manifest_json)}
    assert states == {"L1": "skipped", "L2": "issued", "L3": "issued"}
    assert result.exit_code == 0
    withdrawn = credential_id(course, "L1")
    with open_ledger(ledger_path) as store:
        assert [e.event.value for e in store.history(withdrawn)][-1] == event
        assert store.get_credential(credential_id(course, "L3")) is not None
    assert not any(out.glob("credentials/L1-*")) and any(out.glob("withdrawn/credentials/L1-*"))


def test_a_credential_another_run_issues_meanwhile_is_unchanged_for_this_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of one batch at once: the one that finds the other's credential in the ledger
    when it records wrote the same files, so it says so, and records no second export."""
    from elmkit.microcredentials import batch as batch_module
    from elmkit.microcredentials import load_definition

    course = load_definition(definition_file(tmp_path))
    ledger_path, out = tmp_path / "l.sqlite", tmp_path / "out"
    rows = [{"learner_id": "L1", "given_name": "Ana", "grade": "8", "attendance": "90"}]
    real_prepare = batch_module._Batch.prepare

    def racing_prepare(self: Any, slot: Any) -> Any:
        job = real_prepare(self, slot)
        monkeypatch.setattr(batch_module._Batch, "prepare", real_prepare)
        other = issue_batch(course, rows, out, ledger=ledger_path, images=False, valid_from=VALID_FROM)
        assert other.changes[CredentialChange.NEW] == 1  # the other run issues it first
        return job

    monkeypatch.setattr(batch_module._Batch, "prepare", racing_prepare)
    seen: list[ManifestRow] = []
    result = issue_batch(
        course, rows, out, ledger=ledger_path, images=False, valid_from=VALID_FROM,
        progress=seen.append,
    )
    assert result.exit_code == 0
    assert [row.change for row in seen] == [CredentialChange.UNCHANGED]
    assert {change: n for change, n in result.changes.items() if n} == {CredentialChange.UNCHANGED: 1}
    with open_ledger(ledger_path) as store:
        events = [e.event.value for e in store.history(seen[0].credential_id)]
    assert events == ["defined", "generated", "exported"]


def test_a_correction_another_run_records_meanwhile_is_unchanged_for_this_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of one corrected batch at once: the second to record finds the corrected
    document and its upload file in the ledger; it re-exported nothing."""
    from elmkit.microcredentials import batch as batch_module
    from elmkit.microcredentials import load_definition

    course = load_definition(definition_file(tmp_path))
    ledger_path, out = tmp_path / "l.sqlite", tmp_path / "out"
    rows = [{"learner_id": "L1", "given_name": "Ana", "grade": "8", "attendance": "90"}]
    issue_batch(course, rows, out, ledger=ledger_path, images=False, valid_from=VALID_FROM)
    rows[0]["grade"] = "9"
    real_prepare = batch_module._Batch.prepare

    def racing_prepare(self: Any, slot: Any) -> Any:
        job = real_prepare(self, slot)
        monkeypatch.setattr(batch_module._Batch, "prepare", real_prepare)
        other = issue_batch(course, rows, out, ledger=ledger_path, images=False, valid_from=VALID_FROM)
        assert other.changes[CredentialChange.REGENERATED] == 1
        return job

    monkeypatch.setattr(batch_module._Batch, "prepare", racing_prepare)
    seen: list[ManifestRow] = []
    issue_batch(
        course, rows, out, ledger=ledger_path, images=False, valid_from=VALID_FROM,
        progress=seen.append,
    )
    assert [row.change for row in seen] == [CredentialChange.UNCHANGED]
    with open_ledger(ledger_path) as store:
        events = [e.event.value for e in store.history(seen[0].credential_id)]
    assert events == ["defined", "generated", "exported", "regenerated", "exported"]


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["oc-aranes", "ca", "es"], {"oc-aranes": "Apte", "ca": "Apte", "es": "Apto"}),
        (["ca-ES-valencia", "es", "en"], {"ca-ES-valencia": "Apte", "es": "Apto", "en": "Pass"}),
        (["ast", "es"], {"es": "Apto"}),  # no Asturian word: Spanish, tagged as Spanish
    ],
)
def test_a_pass_without_grade_is_written_in_each_language_it_is_known_in(
    tmp_path: Path, languages: list[str], expected: dict[str, str]
) -> None:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import read_manifest

    changes = {
        "languages": languages,
        "awarding_body.address": "Carrèr Major 1, Vielha",
        "awarding_body.region": "Val d'Aran",
    }
    course = load_definition(definition_file(tmp_path, changes))
    rows = [{"learner_id": "L1", "given_name": "Ana", "passed": "sí", "attendance": "90"}]
    result = issue_batch(course, rows, tmp_path / "out", ledger=tmp_path / "l.sqlite", images=False)
    (row,) = read_manifest(result.manifest_json)
    document = json.loads((tmp_path / "out" / row["file"]).read_text(encoding="utf-8"))
    claim = document["credentialSubject"]["hasClaim"]
    claim = claim[0] if isinstance(claim, list) else claim
    assessment = claim["provenBy"]
    assessment = assessment[0] if isinstance(assessment, list) else assessment
    assert assessment["grade"]["noteLiteral"] == expected
    location = document["issuer"]["location"]
    location = location[0] if isinstance(location, list) else location
    assert location["geographicName"] == {languages[0]: "Val d'Aran"}  # the definition's language
    address = location["address"]
    address = address[0] if isinstance(address, list) else address
    assert address["fullAddress"]["noteLiteral"] == {languages[0]: "Carrèr Major 1, Vielha"}


def test_learner_ids_differing_only_in_case_are_a_conflict(tmp_path: Path) -> None:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import read_manifest

    course = load_definition(definition_file(tmp_path))
    rows = [
        {"learner_id": "53111222X", "given_name": "Ana", "grade": "8", "attendance": "90"},
        {"learner_id": "53111222x", "given_name": "Ana", "grade": "8", "attendance": "90"},
    ]
    result = issue_batch(course, rows, tmp_path / "out", ledger=tmp_path / "l.sqlite", images=False)
    states = [row["state"] for row in read_manifest(result.manifest_json)]
    assert states == ["issued", "conflict"] and result.exit_code == 1
    assert "'53111222X', the same but for upper and lower case" in result.problems[0].reasons[0]


def test_names_the_pages_cannot_draw_as_written_are_warned_about(tmp_path: Path) -> None:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.manifest import read_manifest

    course = load_definition(definition_file(tmp_path))
    rows = [
        {"learner_id": "L1", "given_name": "李", "family_name": "王", "grade": "8", "attendance": "90"},
        {"learner_id": "L2", "given_name": "مريم", "grade": "8", "attendance": "90"},
        {"learner_id": "L3", "given_name": "Núria", "grade": "8", "attendance": "90"},
    ]
    result = issue_batch(course, rows, tmp_path / "out", ledger=tmp_path / "l.sqlite", images=True)
    manifest = read_manifest(result.manifest_json)
    assert [row["state"] for row in manifest] == ["issued"] * 3
    codes = [[f["code"] for f in row["findings"] if f["code"].startswith("render/")] for row in manifest]
    assert codes == [["render/missing-characters"], ["render/right-to-left"], []]
    assert "'李王'" in manifest[0]["findings"][0]["message"] or "'王李'" in manifest[0]["findings"][0]["message"]


def test_definition_texts_the_pages_cannot_draw_are_warned_about_once_per_batch(
    tmp_path: Path,
) -> None:
    import json

    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.batch import definition_page_warnings

    course = load_definition(
        definition_file(
            tmp_path,
            {
                "title.en": "人工智能 in teaching",
                "awarding_body.legal_name.ca": "جامعة",
            },
        )
    )
    warnings = definition_page_warnings(course)
    assert len(warnings) == 2
    assert "awarding body on the ca display page is in a right-to-left script" in warnings[0]
    assert "the en display page cannot draw" in warnings[1] and "of the title" in warnings[1]
    assert "人" in warnings[1]
    rows = [{"learner_id": f"L{i}", "given_name": "Ana", "grade": "8", "attendance": "90"} for i in range(3)]
    result = issue_batch(course, rows, tmp_path / "out", ledger=tmp_path / "l.sqlite", images=True)
    assert result.issued == 3 and result.warnings == warnings
    batch = json.loads(result.manifest_json.read_text(encoding="utf-8"))["batch"]
    assert batch["warnings"] == list(warnings)
    quiet = issue_batch(course, rows, tmp_path / "out2", ledger=tmp_path / "l2.sqlite", images=False)
    assert quiet.warnings == ()  # no pages, nothing drawn
    assert definition_page_warnings(load_definition(definition_file(tmp_path / "plain"))) == ()


def test_a_grade_outside_the_grading_scale_is_a_malformed_row_not_a_fail(tmp_path: Path) -> None:
    # an export on a 0-100 scale for a course graded 0-10: a data error, not a cohort that failed
    records = [
        {"learner_id": "A1", "given_name": "Núria", "grade": 85, "attendance": 95},
        {"learner_id": "A2", "given_name": "Jordi", "grade": -1, "attendance": 95},
        {"learner_id": "A3", "given_name": "Pau", "grade": 10, "attendance": 95},
    ]
    result = _issue(definition_file(tmp_path), records, tmp_path / "out")
    rows = read_manifest(tmp_path / "out")
    assert [r["state"] for r in rows] == ["malformed", "malformed", "issued"]
    assert rows[0]["reasons"][0].startswith("grade: 85 is outside") and "0-10" in rows[0]["reasons"][0]
    assert rows[0]["learner_id"] == "A1"
    assert result.exit_code == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("email", ["not-an-email", "ana@", "ana maria@example.org", "@example.org"])
def test_a_learner_email_that_is_not_an_address_is_a_malformed_row(tmp_path: Path, email: str) -> None:
    from elmkit.microcredentials import read_results
    from elmkit.microcredentials.records import RowError

    (row,) = read_results([{"learner_id": "L1", "given_name": "Ana", "grade": 7, "email": email}])
    assert isinstance(row, RowError) and row.message.startswith("email: not an e-mail address")
    assert row.learner_id == "L1"
    (fine,) = read_results([{"learner_id": "L1", "given_name": "Ana", "grade": 7, "email": " ana@example.org "}])
    assert not isinstance(fine, RowError) and fine.email == "ana@example.org"
    rows = learner_rows(2)
    rows[1][3] = email
    result = _issue(definition_file(tmp_path), write_csv(tmp_path / "r.csv", rows), tmp_path / "out")
    assert [r["state"] for r in read_manifest(tmp_path / "out")] == ["issued", "malformed"]
    assert result.exit_code == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "then_written",
    [
        {},  # documents from before stackable existed
        {"stackable": True},  # its default then, which stated nothing
    ],
)
def test_a_definition_stored_by_an_earlier_version_is_the_same_definition_after_an_upgrade(
    tmp_path: Path, then_written: dict[str, object]
) -> None:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.batch import _definition_document

    course = load_definition(definition_file(tmp_path, {"grading.title": None}))
    assert course.grading.title is None
    earlier = _definition_document(course)
    del earlier["elmkit_stored_form"]  # stored before it was written
    earlier["grading"]["title"] = {"en": "Grading scale 0-10"}  # the default then written
    earlier.update(then_written)
    ledger = tmp_path / "l.sqlite"
    with open_ledger(ledger) as store:
        store.define(course.id, earlier, title="course", version=course.version)
    rows = [{"learner_id": "L1", "given_name": "Ana", "grade": "8", "attendance": "90"}]
    result = issue_batch(course, rows, tmp_path / "out", ledger=ledger, images=False)
    assert result.issued == 1
    with open_ledger(ledger) as store:
        kept = store.get_definition(course.id, course.version)
        assert kept is not None and kept.document["grading"]["title"] == {"en": "Grading scale 0-10"}
    changed = load_definition(
        definition_file(tmp_path / "changed", {"grading.title": None, "grading.pass_mark": 6})
    )
    with pytest.raises(SourceError, match="already in the ledger with different content"):
        issue_batch(changed, rows, tmp_path / "out2", ledger=ledger, images=False)
    titled = load_definition(
        definition_file(tmp_path / "titled", {"grading.title": {"en": "Scale of ten"}})
    )
    with pytest.raises(SourceError, match="already in the ledger with different content"):
        issue_batch(titled, rows, tmp_path / "out3", ledger=ledger, images=False)


def test_stackable_once_a_default_is_a_change_when_dropped_from_a_definition_stored_now(
    tmp_path: Path,
) -> None:
    """``stackable: true`` is read as unset only in documents stored when it stated nothing:
    dropping it from a definition stored now changes the credentials, so it needs a new
    version. A learning setting given as its default is the same definition without it."""
    from elmkit.microcredentials import load_definition

    rows = [{"learner_id": "L1", "given_name": "Ana", "grade": "8", "attendance": "90"}]
    ledger = tmp_path / "l.sqlite"
    given = load_definition(definition_file(tmp_path / "given", {"stackable": True}))
    assert given.learning_setting == "non-formal learning"  # the demo course states it
    assert issue_batch(given, rows, tmp_path / "out", ledger=ledger, images=False).issued == 1
    dropped = load_definition(definition_file(tmp_path / "dropped", {"stackable": None}))
    with pytest.raises(SourceError, match="already in the ledger with different content"):
        issue_batch(dropped, rows, tmp_path / "out2", ledger=ledger, images=False)
    unset = load_definition(
        definition_file(tmp_path / "unset", {"stackable": True, "learning_setting": None})
    )
    assert issue_batch(unset, rows, tmp_path / "out3", ledger=ledger, images=False).issued == 1


def test_a_stored_definition_is_read_back_without_the_checks_of_new_definitions(
    tmp_path: Path,
) -> None:
    from pydantic import ValidationError

    from elmkit.microcredentials import load_definition, organisation
    from elmkit.microcredentials.batch import _definition_document, definition_from_document
    from elmkit.microcredentials.definition import MicroCredential

    course = load_definition(definition_file(tmp_path))
    stored = _definition_document(course)
    # what an earlier version accepted: two languages with one EU code, a text in NFD
    stored["languages"] = ["ca-ES-valencia", "ca", "es"]
    stored["title"]["ca-ES-valencia"] = "Intel·lige\u0300ncia"
    read = definition_from_document(stored)
    assert read.languages == ["ca-ES-valencia", "ca", "es"]
    assert read.title.get("ca-ES-valencia") == "Intel·ligència"  # in NFC, as new ones are
    assert organisation(read.issuing_body).id == organisation(course.issuing_body).id
    new = {**stored, "awarding_body": {**stored["awarding_body"], "logo": None}}
    with pytest.raises(ValidationError, match="one language of the EU language table"):
        MicroCredential.model_validate(new)  # a new definition is still checked


def test_a_learner_email_written_with_mailto_is_one_address(tmp_path: Path) -> None:
    from elmkit.microcredentials import load_definition, read_results
    from elmkit.microcredentials.batch import delivery_details
    from elmkit.microcredentials.build import CredentialFactory
    from elmkit.microcredentials.records import RowError

    (row,) = read_results([{"learner_id": "L1", "given_name": "Ana", "grade": 7, "email": "MailTo: ana@x.es"}])
    assert not isinstance(row, RowError) and row.email == "ana@x.es"
    course = load_definition(definition_file(tmp_path))
    assert delivery_details(course, row)["deliveryAddress"] == ["mailto:ana@x.es"]
    document = CredentialFactory(course).build(row, valid_from=datetime(2026, 6, 22, tzinfo=UTC))
    written = json.dumps(document.to_jsonld())
    assert "mailto:mailto:" not in written and "mailto:ana@x.es" in written
    for given, kept in (("<ana@x.es>", "ana@x.es"), (" MAILTO:<ana@x.es> ", "ana@x.es")):
        (read,) = read_results([{"learner_id": "L1", "given_name": "Ana", "grade": 7, "email": given}])
        assert not isinstance(read, RowError) and read.email == kept
    for refused in ("mailto:ana@x.es?subject=hi", "a@b.es; c@d.es", "ana@x.es."):
        (row_error,) = read_results([{"learner_id": "L1", "given_name": "Ana", "grade": 7, "email": refused}])
        assert isinstance(row_error, RowError), refused


def test_a_grade_computed_by_a_spreadsheet_formula_is_the_grade_it_shows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from elmkit.microcredentials import load_definition, read_results
    from elmkit.microcredentials.build import CredentialFactory
    from elmkit.microcredentials.records import LearnerResult

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["learner_id", "given_name", "grade", "attendance"])
    sheet.append(["L1", "Ana", 0.1 * 7 + 0.9 * 9.1, 90])  # Excel shows 8.89
    sheet.append(["L2", "Pau", 0.3 * 4.3 + 0.7 * 5.3, 90])  # shows 5: the pass mark
    book.save(tmp_path / "r.xlsx")
    first, second = read_results(tmp_path / "r.xlsx")
    assert isinstance(first, LearnerResult) and first.grade == 8.89
    assert isinstance(second, LearnerResult) and second.grade == 5.0
    course = load_definition(definition_file(tmp_path))
    written = json.dumps(CredentialFactory(course).build(first, valid_from=datetime(2026, 6, 22, tzinfo=UTC)).to_jsonld())
    assert "8,89" in written and "8,889999" not in written
    result = issue_batch(course, tmp_path / "r.xlsx", tmp_path / "out", ledger=tmp_path / "l.sqlite", images=False)
    assert result.issued == 2  # 4.999999999999999 is not below the pass mark 5
    (kept,) = read_results([{"learner_id": "L3", "given_name": "Ona", "grade": "66,6666667"}])
    assert isinstance(kept, LearnerResult) and kept.grade == 66.6666667
    for attendance in (100.00000000000001, "100,00000000000001"):  # shown as 100: in range
        (full,) = read_results([{"learner_id": "L4", "given_name": "Ona", "grade": 7, "attendance": attendance}])
        assert isinstance(full, LearnerResult) and full.attendance == 100.0


def test_a_definition_built_in_code_names_the_field_that_does_not_fit() -> None:
    from elmkit.microcredentials import MicroCredential, OrganisationInfo

    with pytest.raises(SourceError, match=r"field 'country'.*close matches: ESP"):
        OrganisationInfo(legal_name={"es": "U"}, country="Espanya")
    body = OrganisationInfo(legal_name={"es": "U"}, country="ES")
    with pytest.raises(SourceError, match="field 'eqf_level'") as raised:
        MicroCredential(id="x", languages=["es"], title={"es": "T"}, eqf_level=9, awarding_body=body)
    assert raised.value.path == "eqf_level"
    with pytest.raises(SourceError, match=r"field 'awarding_body\.country'"):
        load_definition(  # the same message from a mapping or a file
            {"id": "x", "languages": ["es"], "title": {"es": "T"}, "ects": 3,
             "awarding_body": {"legal_name": {"es": "U"}, "country": "XX"}}
        )


def test_a_definition_keeps_taking_the_eu_code_of_a_country_as_region() -> None:
    from elmkit.model import vocab

    definition = load_definition(  # as definitions issued before the check was written
        {"id": "x", "languages": ["es", "en-UK"], "title": {"es": "T", "en-UK": "T"}, "ects": 3,
         "awarding_body": {"legal_name": {"es": "U"}, "country": "ES"}}
    )
    assert definition.languages == ["es", "en-UK"]
    problem = vocab.language_tag_problem("en-UK")
    assert problem is not None and problem.suggestion == "en-GB"


def test_valid_from_dates_only_the_credentials_the_ledger_does_not_hold(tmp_path: Path) -> None:
    definition, out, ledger = definition_file(tmp_path), tmp_path / "out", tmp_path / "l.sqlite"
    first = write_csv(tmp_path / "first.csv", learner_rows(2))
    issue_batch(definition, first, out, ledger=ledger, images=False,
                valid_from=datetime(2026, 6, 20, tzinfo=UTC))
    before = {p.name: p.read_bytes() for p in (out / "credentials").glob("*.jsonld")}
    again = write_csv(tmp_path / "again.csv", learner_rows(3))  # one more learner, a day later
    result = issue_batch(definition, again, out, ledger=ledger, images=False,
                         valid_from=datetime(2026, 6, 26, tzinfo=UTC))
    after = {p.name: p.read_bytes() for p in (out / "credentials").glob("*.jsonld")}
    assert result.issued == 3 and len(after) == 3
    assert all(after[name] == data for name, data in before.items())  # a daily run rewrites none
    (new,) = set(after) - set(before)
    assert json.loads(after[new])["validFrom"] == "2026-06-26T00:00:00Z"
    with open_ledger(ledger) as store:
        assert all(e.event.value != "regenerated" for c in store.credentials() for e in store.history(c.credential_id))


def test_a_learner_id_issued_before_in_another_case_is_a_conflict(tmp_path: Path) -> None:
    definition, out, ledger = definition_file(tmp_path), tmp_path / "out", tmp_path / "l.sqlite"
    rows = learner_rows(2)
    rows[0][0] = "53111222X"
    issue_batch(definition, write_csv(tmp_path / "a.csv", rows), out, ledger=ledger, images=False)
    rows[0][0] = "53111222x"  # the SIS export changed the case of the DNI's letter
    result = issue_batch(definition, write_csv(tmp_path / "b.csv", rows), out, ledger=ledger, images=False)
    states = {row.learner_id: row for row in result.problems}
    assert states["53111222x"].state is RowState.CONFLICT
    assert "'53111222X'" in states["53111222x"].reasons[0]
    assert len(list((out / "credentials").glob("*.jsonld"))) == 2  # no second credential


@pytest.mark.parametrize(
    ("lang", "note"),
    [("es", "Emitida sin páginas de presentación"), ("es-ES", "Emitida sin páginas"),
     ("en", "Issued without display pages"), ("fr", "Issued without display pages")],
)
def test_the_note_on_missing_display_pages_is_in_the_findings_language(
    tmp_path: Path, lang: str, note: str
) -> None:
    definition = definition_file(tmp_path)
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    _issue(definition, results, tmp_path / "out", lang=lang)
    (row,) = read_manifest(tmp_path / "out")
    (finding,) = [f for f in row["findings"] if f["path"].startswith("/displayParameter")]
    assert finding["severity"] == "warning"
    message = finding["message"]
    assert note in message
    spanish = lang.startswith("es")
    assert ("Issued without" in message) is not spanish and ("Emitida sin" in message) is spanish


def test_an_integer_too_large_for_a_number_is_a_malformed_row(tmp_path: Path) -> None:
    # a value from a database is not bounded: it makes its row malformed, never stops the batch
    records = [
        {"learner_id": "A1", "given_name": "Ona", "grade": 8, "attendance": 95},
        {"learner_id": "A2", "given_name": "Nil", "grade": 10**400, "attendance": 95},
        {"learner_id": "A3", "given_name": "Pau", "grade": 8, "attendance": -(10**5000)},
    ]
    result = _issue(definition_file(tmp_path), records, tmp_path / "out")
    assert isinstance(result, BatchResult)
    assert (result.issued, result.malformed) == (1, 2)
    assert [row.reasons[0].split(":")[0] for row in result.problems] == ["grade", "attendance"]


@dataclass(frozen=True)
class _DbRow:
    learner_id: int
    given_name: str
    family_name: str | None
    grade: float | None
    attendance: int


def test_records_as_dataclasses_and_named_tuples(tmp_path: Path) -> None:
    from typing import NamedTuple

    class Row(NamedTuple):
        learner_id: str
        given_name: str
        grade: float
        attendance: int

    records = [_DbRow(1, "Ona", None, 8.0, 95), Row("A2", "Nil", 7.0, 90)]
    result = _issue(definition_file(tmp_path), records, tmp_path / "out")
    assert isinstance(result, BatchResult)
    assert result.issued == 2, result.problems
