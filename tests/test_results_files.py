"""Reading SIS results files as universities export them: surnames, workbooks, headings,
delimiters, empty cells and Spanish grades."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from elmkit.microcredentials.records import LearnerResult, RowError, iter_results
from test_issue_support import edit_sheet


def _read(path: Path) -> list[LearnerResult | RowError]:
    return [item for _, item in iter_results(path)]


def _learners(path: Path) -> list[LearnerResult]:
    items = _read(path)
    assert all(isinstance(item, LearnerResult) for item in items), items
    return [item for item in items if isinstance(item, LearnerResult)]


# -- surnames ------------------------------------------------------------------------------------


def _issue_csv(tmp_path: Path, text: str) -> Any:
    """The batch of the CSV ``text`` (no display pages), issued into ``tmp_path/out``."""
    from elmkit.microcredentials.batch import issue_batch
    from test_issue_support import VALID_FROM, definition_file, require_serializers

    require_serializers()
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    return issue_batch(
        definition_file(tmp_path), path, tmp_path / "out", images=False, valid_from=VALID_FROM
    )


def test_a_second_surname_column_is_always_joined_to_a_first_surname_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;primer_apellido;segundo_apellido;nota\n"
        "1;Juan;García;García;8\n"
        "2;Ana;de la Fuente;Fuente;8\n"
        "3;Pau;Sant Martí;Martí;8\n"
        "4;Iker;Agirre;Agirre;8\n"
        "5;Marta;Puig;Etxeberria;8\n",
        encoding="utf-8",
    )
    names = [learner.full_name for learner in _learners(path)]
    assert names == [
        "Juan García García",
        "Ana de la Fuente Fuente",
        "Pau Sant Martí Martí",
        "Iker Agirre Agirre",
        "Marta Puig Etxeberria",
    ]


def test_a_column_of_both_surnames_beside_a_second_surname_column_is_not_doubled(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;apellidos;segundo_apellido;nota\n"
        "1;Juan;García García;García;8\n"
        "2;Ana;López Fuente;Fuente;8\n"
        "3;Eva;García;García;8\n"  # the column held the first surname only
        "4;Pau;Puig;Roig;8\n",
        encoding="utf-8",
    )
    names = [learner.family_name for learner in _learners(path)]
    assert names == ["García García", "López Fuente", "García García", "Puig Roig"]


def test_a_record_read_back_keeps_its_two_surnames() -> None:
    record = LearnerResult(
        learner_id="1", given_name="Juan", family_name="García", second_family_name="García"
    )
    assert record.family_name == "García García"
    again = LearnerResult.model_validate(record.model_dump())
    assert again.family_name == "García García" and again == record


def test_two_surnames_alike_reach_the_credential(tmp_path: Path) -> None:
    import json

    result = _issue_csv(
        tmp_path,
        "expediente;nombre;primer_apellido;segundo_apellido;nota;asistencia;fecha\n"
        "1;Juan;García;García;8;100;15/06/2026\n",
    )
    assert result.issued == 1
    (file,) = (tmp_path / "out" / "credentials").glob("*.jsonld")
    text = json.dumps(json.loads(file.read_text(encoding="utf-8")), ensure_ascii=False)
    assert "García García" in text


# -- headings ------------------------------------------------------------------------------------

SPANISH_HEADINGS = (
    "Expediente;Nombre;Apellidos;Correo electrónico;DNI/NIE;Calificación final;Superado;"
    "Asistencia;Fecha\n"
)


@pytest.mark.parametrize(
    ("heading", "field", "value", "expected"),
    [
        ("Correo electrónico", "email", "ana@x.es", "ana@x.es"),
        ("Correu electrònic", "email", "ana@x.es", "ana@x.es"),
        ("E-mail", "email", "ana@x.es", "ana@x.es"),
        ("DNI/NIE", "national_id", "12345678Z", "12345678Z"),
        ("NIF", "national_id", "12345678Z", "12345678Z"),
        ("Calificación final", "grade", "8,5", 8.5),
        ("Nota final", "grade", "8,5", 8.5),
        ("Qualificació final", "grade", "8,5", 8.5),
        ("Nº expediente", "learner_id", "7", "7"),
        ("Asistencia (%)", "attendance", "90", 90.0),
    ],
)
def test_common_spanish_catalan_and_english_headings_are_read(
    tmp_path: Path, heading: str, field: str, value: str, expected: object
) -> None:
    columns = {"learner_id": "expediente", "given_name": "nombre", "passed": "apto"}
    columns[field] = heading
    values = {"learner_id": "1", "given_name": "Ana", "passed": "sí", field: value}
    path = tmp_path / "r.csv"
    path.write_text(
        ";".join(columns.values()) + "\n" + ";".join(values[k] for k in columns) + "\n",
        encoding="utf-8",
    )
    warnings: list[str] = []
    (learner,) = (item for _, item in iter_results(path, warn=warnings.append))
    assert isinstance(learner, LearnerResult) and getattr(learner, field) == expected
    # a variant grade column beside the pass column: what it reads is said once
    assert all(field == "grade" and "the pass flag decides" in w for w in warnings), warnings


def test_columns_not_read_are_warned_about_by_name(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;Grupo;nota;Observaciones;\n1;Ana;A;8;tarde;\n", encoding="utf-8"
    )
    warnings: list[str] = []
    assert len(list(iter_results(path, warn=warnings.append))) == 1
    (warning,) = warnings
    assert "'Grupo', 'Observaciones'" in warning and "not read" in warning
    assert list(iter_results(path))  # no one to tell: read all the same


def test_a_batch_warns_about_columns_it_does_not_read_and_checks_the_pass_flag(
    tmp_path: Path,
) -> None:
    import json

    from typer.testing import CliRunner

    import elmkit.cli.issue  # noqa: F401  (registers the commands)
    from elmkit.cli import app
    from test_issue_support import definition_file, require_serializers

    require_serializers()
    path = tmp_path / "r.csv"
    path.write_text(
        SPANISH_HEADINGS.replace("Fecha", "Fecha;Grupo")
        + "1;Ana;García López;ana@x.es;12345678Z;4,5;Sí;100;15/06/2026;A\n"
        + "2;Joan;Puig Roig;joan@x.es;00000000T;8,5;Sí;100;15/06/2026;B\n",
        encoding="utf-8",
    )
    definition = definition_file(tmp_path)
    out = tmp_path / "out"
    run = CliRunner(env={"COLUMNS": "220"}).invoke(
        app,
        ["issue", str(definition), str(path), "-o", str(out), "--no-images",
         "--valid-from", "2026-06-22"],
    )
    assert run.exit_code == 1, run.output  # the first row contradicts itself
    assert "warning:" in run.output and "'Grupo'" in run.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any("'Grupo'" in w for w in manifest["batch"]["warnings"])
    first, second = manifest["rows"]
    assert first["state"] == "conflict" and "below the pass mark" in first["reasons"][0]
    assert second["state"] == "issued" and second["email"] == "joan@x.es"
    credential = (out / second["file"]).read_text(encoding="utf-8")
    assert "00000000T" in credential and "8,5" in credential


def test_batch_result_names_the_columns_not_read(tmp_path: Path) -> None:
    result = _issue_csv(
        tmp_path,
        "expediente;nombre;nota;asistencia;fecha;Observaciones\n1;Ana;8;100;15/06/2026;\n",
    )
    assert result.issued == 1
    assert len(result.warnings) == 1 and "'Observaciones'" in result.warnings[0]


# -- workbooks -----------------------------------------------------------------------------------


def _workbook(path: Path, sheets: list[tuple[str, str, list[list[Any]]]], active: int) -> Path:
    """A workbook of ``(title, state, rows)`` sheets with sheet ``active`` active."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, state, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    book.active = active
    book.save(path)
    return path


HEADINGS = ["expediente", "nombre", "nota"]


def test_a_workbook_is_read_from_its_first_visible_sheet_of_results_never_a_hidden_one(
    tmp_path: Path,
) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Convocatoria anterior", "hidden", [HEADINGS, ["1", "Antigua", 3]]),
            ("Instrucciones", "visible", [["Rellene la hoja Notas"]]),
            ("Notas", "visible", [HEADINGS, ["1", "Ana", 8]]),
        ],
        active=2,
    )
    warnings: list[str] = []
    (learner,) = (item for _, item in iter_results(path, warn=warnings.append))
    assert isinstance(learner, LearnerResult) and (learner.given_name, learner.grade) == ("Ana", 8)
    (warning,) = warnings
    assert "sheet 'Notas'" in warning
    assert "'Convocatoria anterior' (hidden)" in warning and "'Instrucciones'" in warning


def test_a_hidden_active_sheet_gives_way_to_the_first_visible_one(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Convocatoria anterior", "hidden", [HEADINGS, ["1", "Antigua", 3]]),
            ("Notas", "visible", [HEADINGS, ["1", "Ana", 8]]),
        ],
        active=0,
    )
    (learner,) = _learners(path)
    assert learner.given_name == "Ana"


def test_the_sheet_open_when_the_workbook_was_saved_does_not_choose_it(tmp_path: Path) -> None:
    """Two sessions, the later one open when saved: the first is read, as it always was; the
    warning names the other."""
    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Ordinaria", "visible", [HEADINGS, ["1", "Ana", 8]]),
            ("Extraordinaria", "visible", [HEADINGS, ["2", "Joan", 6]]),
        ],
        active=1,
    )
    warnings: list[str] = []
    (learner,) = (item for _, item in iter_results(path, warn=warnings.append))
    assert isinstance(learner, LearnerResult) and learner.given_name == "Ana"
    assert "sheet 'Ordinaria'" in warnings[0] and "'Extraordinaria'" in warnings[0]


def test_a_workbook_with_no_sheet_of_results_is_refused_naming_its_sheets(tmp_path: Path) -> None:
    from elmkit.errors import SourceError

    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Instrucciones", "visible", [["Rellene la hoja Notas"]]),
            ("Notas", "visible", [["alumno", "puntos"], ["Ana", 8]]),
        ],
        active=1,
    )
    with pytest.raises(SourceError, match="sheet 'Instrucciones': missing column") as caught:
        _read(path)
    assert "'Notas'" in str(caught.value)


def test_hidden_rows_of_a_workbook_are_read(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (HEADINGS, ["1", "Ana", 8], ["2", "Joan", 7]):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    path = tmp_path / "r.xlsx"
    book.save(path)
    assert [learner.given_name for learner in _learners(path)] == ["Ana", "Joan"]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(";".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _actas(path: Path, rows: list[list[Any]], *, percent: str = "") -> Path:
    """A workbook whose results are on its second sheet, "Actas", after "Instrucciones";
    cells of column ``percent`` are formatted as percentages."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "Instrucciones"
    book.active.append(["Rellene la hoja Actas"])
    sheet = book.create_sheet("Actas")
    for row in rows:
        sheet.append(row)
    if percent:
        for cell in sheet[percent][1:]:
            cell.number_format = "0%"
    book.save(path)
    return path


def test_a_workbook_row_that_cannot_be_read_names_its_sheet_and_row(tmp_path: Path) -> None:
    """The row number alone leaves the reader to guess which sheet it counts in; a CSV file's
    messages stay as they were."""
    headings = ["expediente", "nombre", "nota", "fecha"]
    rows = [["1", "Ana", "8", "15/06/2026"], ["2", "Joan", "ocho", ""], ["", "Eva", "7", ""],
            ["4", "Pau", "7", "mañana"]]
    workbook = _read(_actas(tmp_path / "r.xlsx", [headings, *rows]))
    text = _read(_csv(tmp_path / "r.csv", [headings, *rows]))
    assert isinstance(workbook[0], LearnerResult)
    messages = []
    for number, (read, csv_read) in enumerate(zip(workbook, text, strict=True), start=2):
        if number == 2:
            continue
        assert isinstance(read, RowError) and isinstance(csv_read, RowError)
        assert read.message == f"sheet 'Actas', row {number}: {csv_read.message}"
        assert (read.row, read.sheet, csv_read.sheet) == (number, "Actas", None)
        messages.append(read.message)
    assert messages[0].startswith("sheet 'Actas', row 3: grade: not a number: 'ocho'")
    assert messages[2].startswith("sheet 'Actas', row 5: assessment_date: not a date")

    shown = _actas(
        tmp_path / "percent.xlsx",
        [["expediente", "nombre", "nota", "asistencia"], ["1", "Ana", 8, 0.9], ["2", "Eva", 8, 2]],
        percent="D",
    )
    sheets: list[str] = []
    ana, eva = (item for _, item in iter_results(shown, on_sheet=sheets.append))
    assert isinstance(ana, LearnerResult) and ana.attendance == 90
    assert isinstance(eva, RowError) and eva.message.startswith("sheet 'Actas', row 3: attendance")
    assert sheets == ["Actas"]


def test_rows_of_a_workbook_to_correct_name_their_sheet_in_the_batch(tmp_path: Path) -> None:
    """Malformed, duplicate and conflict rows say where they are, in the manifest and the
    batch's problems; learners who did not pass are no rows to correct, and keep their words."""
    from elmkit.microcredentials.batch import issue_batch
    from elmkit.microcredentials.manifest import RowState
    from test_issue_support import VALID_FROM, definition_file, read_manifest, require_serializers

    require_serializers()
    rows = [
        ["expediente", "nombre", "nota", "apto", "asistencia", "fecha"],
        ["L1", "Ana", "8", "", "90", "15/06/2026"],
        ["L2", "Joan", "ocho", "", "90", "15/06/2026"],  # not a number
        ["L1", "Ana", "3", "", "90", "15/06/2026"],  # another result of row 2
        ["L3", "Eva", "15", "", "90", "15/06/2026"],  # outside the grading scale
        ["L4", "Pau", "3", "sí", "90", "15/06/2026"],  # passed, with a grade below the pass mark
        ["L5", "Rut", "4", "", "90", "15/06/2026"],  # did not pass
        ["L5", "Rut", "4", "", "90", "15/06/2026"],  # again
        ["l3", "Eva", "8", "", "90", "15/06/2026"],  # Eva's id in another case
    ]
    definition = definition_file(tmp_path)
    read: dict[str, list[tuple[int, str, list[str]]]] = {}
    files = {"xlsx": _actas(tmp_path / "r.xlsx", rows), "csv": _csv(tmp_path / "r.csv", rows)}
    for name, path in files.items():
        out = tmp_path / name
        result = issue_batch(definition, path, out, images=False, valid_from=VALID_FROM)
        read[name] = [(r["row"], r["state"], r["reasons"]) for r in read_manifest(out)]
        assert [(r.row, list(r.reasons)) for r in result.problems] == [
            (row, reasons) for row, state, reasons in read[name] if state != "issued"
        ]
    states = [state for _, state, _ in read["csv"]]
    assert states == [
        "issued", "malformed", "conflict", "malformed", "conflict", "not-eligible", "duplicate",
        "conflict",
    ]
    assert [state for _, state, _ in read["xlsx"]] == states
    for (row, state, reasons), (_, _, csv_reasons) in zip(read["xlsx"], read["csv"], strict=True):
        if state in (RowState.ISSUED, RowState.NOT_ELIGIBLE):
            assert reasons == csv_reasons
        else:
            assert reasons == [f"sheet 'Actas', row {row}: {csv_reasons[0]}", *csv_reasons[1:]]
    assert read["xlsx"][2][2] == [
        "sheet 'Actas', row 4: the same learner appears in row 2 with another result (grade 8.0 "
        "there, 3.0 here); row 2 was used: check which is right"
    ]


def test_a_workbook_that_records_no_size_is_read_by_its_heading_row(tmp_path: Path) -> None:
    """Written without the sheet's size (as openpyxl's write-only mode writes, and some SIS
    exports do), each row ends at its last cell: a first learner without an e-mail left the
    column unread for everybody."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Actas")
    sheet.append(["expediente", "nombre", "nota", "correo"])
    sheet.append(["1", "Ana", 8])
    sheet.append(["2", "Joan", 7, "joan@alumnes.example"])
    sheet.append(["3", "Eva"])
    path = tmp_path / "r.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert b"<dimension" not in archive.read("xl/worksheets/sheet1.xml")
    ana, joan, eva = _learners(path)
    assert (ana.email, joan.email, eva.email) == (None, "joan@alumnes.example", None)
    assert (ana.grade, joan.grade, eva.grade) == (8, 7, None)


@pytest.mark.parametrize("recorded", ["A1", "A1:C2"])
def test_a_workbook_is_read_past_the_size_it_records(tmp_path: Path, recorded: str) -> None:
    """A size recorded too small (``A1``, or a copy's) cut the sheet there: columns and learners
    past it were left out without a word, or the headings were refused as missing."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["expediente", "nombre", "nota", "correo"])
    sheet.append(["1", "Ana", 8, "ana@alumnes.example"])
    sheet.append(["2", "Joan", 7, "joan@alumnes.example"])
    written = tmp_path / "written.xlsx"
    book.save(written)

    def recording(data: bytes) -> bytes:
        size = b'<dimension ref="A1:D3"/>'
        assert size in data
        return data.replace(size, f'<dimension ref="{recorded}"/>'.encode())

    path = edit_sheet(written, tmp_path / "r.xlsx", recording)
    ana, joan = _learners(path)
    assert (ana.email, joan.email) == ("ana@alumnes.example", "joan@alumnes.example")


# -- delimiters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "expediente;nombre;nota;observaciones\n"
        '1;Ana;8;Entrega tardía, "justificada", según acta\n'
        "2;Joan;7;\n",
        "expediente,nombre,nota,observaciones\n"
        '1,Ana,8,"Entrega tardía; ""justificada""; según acta"\n'
        "2,Joan,7,\n",
        "expediente\tnombre\tnota\tobservaciones\n"
        "1\tAna\t8\tEntrega tardía, justificada; según acta\n"
        "2\tJoan\t7\t\n",
    ],
    ids=["semicolon", "comma", "tab"],
)
def test_the_delimiter_is_the_one_that_splits_the_heading_row_into_known_headings(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    ana, joan = _learners(path)
    assert (ana.learner_id, ana.given_name, ana.grade) == ("1", "Ana", 8)
    assert (joan.learner_id, joan.given_name, joan.grade) == ("2", "Joan", 7)


# -- empty cells ---------------------------------------------------------------------------------


def test_empty_cells_past_the_last_heading_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;nota\n1;Ana;8;\n2;Joan;7; ;;\n3;Eva;9;tarde\n", encoding="utf-8"
    )
    ana, joan, eva = _read(path)
    assert isinstance(ana, LearnerResult) and isinstance(joan, LearnerResult)
    assert isinstance(eva, RowError) and eva.message == "more cells than column headings"


def _one_sheet(rows: list[list[Any]]) -> tuple[Any, Any]:
    """A workbook whose one sheet, "Actas", holds ``rows``, and that sheet."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Actas"
    for row in rows:
        sheet.append(row)
    return book, sheet


def _formatted_workbook(path: Path, rows: list[list[Any]], *, stray: str = "") -> Path:
    """A results sheet "Actas" (headings in columns A to G) whose columns H to J are formatted
    but empty, as Excel exports leave them; ``stray`` is typed in H3 (the second learner's)."""
    from openpyxl.styles import PatternFill

    book, sheet = _one_sheet(rows)
    for line in range(1, len(rows) + 3):
        for column in "HIJ":
            sheet[f"{column}{line}"].fill = PatternFill("solid", fgColor="FFF2CC")
            sheet[f"{column}{line}"].number_format = "0.00"
    sheet["I2"] = "   "
    if stray:
        sheet["H3"] = stray
    book.save(path)
    return path


def test_a_value_past_a_workbooks_last_heading_makes_its_row_malformed(tmp_path: Path) -> None:
    """As a CSV row with more cells than headings: which column would it belong to? Formatted
    columns without values, and cells of white space only, are nothing."""
    rows = [
        ["expediente", "nombre", "apellidos", "correo", "nota", "asistencia", "fecha"],
        ["1", "Ana", "Puig", "ana@alumnes.example", 8, 90, "15/06/2026"],
        ["2", "Joan", "Vidal", "joan@alumnes.example", 7, 90, "15/06/2026"],
    ]
    formatted = _formatted_workbook(tmp_path / "formatted.xlsx", rows)
    with zipfile.ZipFile(formatted) as archive:
        assert b'<dimension ref="A1:J5"/>' in archive.read("xl/worksheets/sheet1.xml")
    ana, joan = _learners(formatted)
    assert (ana.given_name, joan.given_name, joan.grade) == ("Ana", "Joan", 7)

    commented = _formatted_workbook(tmp_path / "r.xlsx", rows, stray="revisar con el profesor")
    ana, joan = _read(commented)
    assert isinstance(ana, LearnerResult)
    assert isinstance(joan, RowError) and joan.learner_id == "2", joan
    assert joan.message == (
        "sheet 'Actas', row 3: more cells than column headings: column H holds "
        "'revisar con el profesor', past the last heading 'fecha' (column G)"
    )
    as_text = [[str(cell) for cell in row] for row in rows]
    as_text[2].append("revisar con el profesor")
    (_, csv_joan) = _read(_csv(tmp_path / "r.csv", as_text))
    assert isinstance(csv_joan, RowError)
    assert joan.message.startswith(f"sheet 'Actas', row 3: {csv_joan.message}: ")

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook(write_only=True)  # no recorded size: each row ends at its last cell
    sheet = book.create_sheet("Actas")
    for row in (*rows, ["3", "Eva", "Gil", "", 9, 90, "15/06/2026", " ", None, 0, "x"]):
        sheet.append(row)
    ragged = tmp_path / "ragged.xlsx"
    book.save(ragged)
    ana, joan, eva = _read(ragged)
    assert isinstance(ana, LearnerResult) and isinstance(joan, LearnerResult)
    assert isinstance(eva, RowError) and eva.message == (
        "sheet 'Actas', row 4: more cells than column headings: column J holds 0 (and 1 more "
        "cell), past the last heading 'fecha' (column G)"
    )


def test_a_batch_issues_nothing_to_a_row_with_a_value_past_the_last_heading(
    tmp_path: Path,
) -> None:
    from elmkit.microcredentials.batch import issue_batch
    from test_issue_support import VALID_FROM, definition_file, read_manifest, require_serializers

    require_serializers()
    rows = [
        ["expediente", "nombre", "nota", "asistencia", "fecha"],
        ["1", "Ana", 8, 90, "15/06/2026"],
        ["2", "Joan", 7, 90, "15/06/2026", None, None, "nota revisada: 9"],
    ]
    out = tmp_path / "out"
    path = _actas(tmp_path / "r.xlsx", rows)
    result = issue_batch(definition_file(tmp_path), path, out, images=False, valid_from=VALID_FROM)
    assert (result.issued, result.malformed, result.exit_code) == (1, 1, 1)
    row = read_manifest(out)[1]
    assert (row["state"], row["learner_id"]) == ("malformed", "2")
    assert row["reasons"] == [
        "sheet 'Actas', row 3: more cells than column headings: column H holds "
        "'nota revisada: 9', past the last heading 'fecha' (column E)"
    ]


def test_optional_cells_of_white_space_only_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;correo;dni;wallet;nota;asistencia;fecha\n"
        "1;Ana; ;\u00a0; ;8; ; \n",
        encoding="utf-8",
    )
    (ana,) = _learners(path)
    assert (ana.email, ana.national_id, ana.wallet) == (None, None, None)
    assert (ana.grade, ana.attendance, ana.assessment_date) == (8, None, None)


# -- Spanish grades and pass flags ---------------------------------------------------------------


@pytest.fixture
def course(tmp_path: Path) -> Any:
    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.demo import write_demo_inputs

    return load_definition(write_demo_inputs(tmp_path / "demo")[0])


@pytest.mark.parametrize("grade", ["NP", "np", "N.P.", "No presentado", "No presentada",
                                   "No presentat", "Not presented"])
def test_not_presented_in_the_grade_column_is_not_passed_not_malformed(
    course: Any, grade: str
) -> None:
    from elmkit.microcredentials.records import check_eligibility, read_results

    (learner,) = read_results([{"learner_id": "1", "given_name": "Ana", "grade": grade}])
    assert isinstance(learner, LearnerResult)
    assert learner.not_presented and learner.grade is None
    eligibility = check_eligibility(course, learner)
    assert not eligibility.eligible and not eligibility.malformed and not eligibility.conflict
    assert "not presented" in eligibility.reasons[0]


@pytest.mark.parametrize(
    ("flag", "passed"),
    [
        ("Apta", True), ("No apta", False), ("Apte", True), ("No apte", False),
        ("APTO", True), ("No Apto", False), ("Superat", True), ("Sí", True),
        ("No presentado", False), ("No presentat", False), ("NP", False),
    ],
)
def test_pass_flags_as_spanish_and_catalan_exports_write_them(flag: str, passed: bool) -> None:
    from elmkit.microcredentials.records import read_results

    (learner,) = read_results([{"learner_id": "1", "given_name": "Ana", "passed": flag}])
    assert isinstance(learner, LearnerResult) and learner.passed is passed


def test_not_presented_but_marked_passed_is_a_conflict(course: Any) -> None:
    from elmkit.microcredentials.records import check_eligibility, read_results

    (learner,) = read_results(
        [{"learner_id": "1", "given_name": "Ana", "grade": "NP", "passed": "Apto"}]
    )
    assert isinstance(learner, LearnerResult)
    eligibility = check_eligibility(course, learner)
    assert eligibility.conflict and not eligibility.eligible


def test_a_batch_does_not_count_learners_not_presented_as_malformed(tmp_path: Path) -> None:
    from elmkit.microcredentials.batch import issue_batch
    from test_issue_support import VALID_FROM, definition_file, read_manifest, require_serializers

    require_serializers()
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;nota;superado;asistencia;fecha\n"
        "1;Ana;8;;100;15/06/2026\n"
        "2;Joan;NP;;100;15/06/2026\n"
        "3;Eva;;No presentado;100;15/06/2026\n"
        "4;Pau;;Apta;100;15/06/2026\n"
        "5;Rut;;No apta;100;15/06/2026\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = issue_batch(definition_file(tmp_path), path, out, images=False, valid_from=VALID_FROM)
    assert (result.issued, result.not_eligible, result.malformed) == (2, 3, 0)
    assert result.exit_code == 0
    states = [(row["learner_id"], row["state"], row["reasons"]) for row in read_manifest(out)]
    assert states[1] == ("2", "not-eligible", ["not presented (NP): did not pass"])
    assert states[2] == ("3", "not-eligible", ["not presented (NP): did not pass"])


@pytest.mark.parametrize(
    ("cell", "column"),
    [("Notable (7,5)", "nota"), ("1.234,5", "nota"), ("105,5", "asistencia"),
     ("Pendiente", "superado")],
)
def test_a_value_refused_is_quoted_as_the_file_has_it(
    tmp_path: Path, cell: str, column: str
) -> None:
    cells = {"expediente": "1", "nombre": "Ana", "nota": "8", "superado": "", "asistencia": ""}
    cells[column] = cell
    path = tmp_path / "r.csv"
    path.write_text(";".join(cells) + "\n" + ";".join(cells.values()) + "\n", encoding="utf-8")
    (error,) = _read(path)
    assert isinstance(error, RowError) and repr(cell) in error.message, error


# -- two columns of one field ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "variant", "field"),
    [
        ("ID", "Nº expediente", "learner_id"),
        ("Expediente", "Núm. expediente", "learner_id"),
        ("nota", "nota final", "grade"),
        ("Calificación", "Calificación final", "grade"),
        ("grade", "final grade", "grade"),
        ("nota", "Nota (%)", "grade"),
        ("email", "Correo electrónico", "email"),
        ("mail", "E-mail address", "email"),
        ("fecha", "fecha examen", "assessment_date"),
        ("asistencia", "porcentaje asistencia", "attendance"),
        ("DNI", "DNI/NIE", "national_id"),
        ("NIF", "Documento de identidad", "national_id"),
    ],
)
def test_a_plainly_headed_column_counts_over_a_variant_of_its_field(
    plain: str, variant: str, field: str
) -> None:
    """Files read before the variants were known are read as they were; the variant is named."""
    from elmkit.microcredentials.records import _check_headings, _header_map

    for order in ([plain, variant], [variant, plain]):
        headings = ["nombre", *order] + ([] if field == "learner_id" else ["expediente"])
        if field != "grade":
            headings.append("apto")
        warnings: list[str] = []
        _check_headings(headings, "r.csv", warnings.append)
        assert _header_map(headings)[plain] == field
        assert variant not in _header_map(headings)
        assert repr(variant) in warnings[0]


def test_two_plainly_headed_columns_of_one_field_are_refused() -> None:
    from elmkit.errors import SourceError
    from elmkit.microcredentials.records import _check_headings

    with pytest.raises(SourceError, match="'nota' and 'calificación' both give the grade"):
        _check_headings(["expediente", "nombre", "nota", "calificación"], "r.csv")


def test_dates_of_birth_and_of_grading_are_read_only_from_their_own_headings() -> None:
    """A marks sheet's recording date is no assessment date; a birth date is personal data a
    credential gets only from a column plainly meant for it."""
    from elmkit.microcredentials.records import _header_map

    headings = ["expediente", "nombre", "nota", "Fecha de nacimiento", "Fecha calificación"]
    assert set(_header_map(headings).values()) == {"learner_id", "given_name", "grade"}


def test_a_record_with_only_a_second_surname_keeps_it_once_when_validated_again() -> None:
    record = LearnerResult.model_validate(
        {"learner_id": "1", "given_name": "Ana", "family_name": "", "second_family_name": "Gil",
         "passed": True},
        context={"first_surname": True},
    )
    assert record.family_name == "Gil"
    again = LearnerResult.model_validate(record.model_dump())
    assert again.family_name == "Gil"
    assert LearnerResult.model_validate_json(record.model_dump_json()).family_name == "Gil"


def test_two_columns_with_one_heading_are_refused() -> None:
    """A row is read by heading: of two columns headed alike, one would silently count."""
    from elmkit.errors import SourceError
    from elmkit.microcredentials.records import _check_headings

    with pytest.raises(SourceError, match="'Nota final' and 'Nota final' both give the grade"):
        _check_headings(["id", "nombre", "Nota final", "Nota final"], "r.csv")


def test_a_word_in_a_variant_grade_column_leaves_the_pass_flag_to_decide(tmp_path: Path) -> None:
    """A file whose grade column was not read before (``Calificación final``) and that says
    ``Notable`` there, beside a pass column, is read as it was: the pass flag decides."""
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;apto;Calificación final\n1;Ana;sí;Notable\n2;Joan;sí;3,2\n",
        encoding="utf-8",
    )
    warnings: list[str] = []
    ana, joan = (item for _, item in iter_results(path, warn=warnings.append))
    assert isinstance(ana, LearnerResult) and ana.passed and ana.grade is None
    assert isinstance(joan, LearnerResult) and joan.grade == 3.2  # still checked against "sí"
    (said,) = [w for w in warnings if "the pass flag decides" in w]
    assert "#N/A is not" in said  # a spreadsheet error there makes the row malformed
    path.write_text("expediente;nombre;apto;Calificación final\n1;Ana;sí;#N/A\n", encoding="utf-8")
    ((_, error),) = iter_results(path)
    assert isinstance(error, RowError) and "#N/A" in error.message


def test_the_sheet_of_results_is_found_past_a_damaged_or_empty_one(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Plantilla", "visible", [HEADINGS]),
            ("Resultados", "visible", [HEADINGS, ["1", "Ana", 8]]),
        ],
        active=0,
    )
    (learner,) = _learners(path)
    assert learner.given_name == "Ana"
    damaged = tmp_path / "damaged.xlsx"
    first = _workbook(
        tmp_path / "first.xlsx",
        [
            ("Notas", "visible", [["titulo"]]),
            ("R", "visible", [HEADINGS, ["1", "Ana", 8]]),
        ],
        active=0,
    )
    edit_sheet(first, damaged, lambda data: data.replace(b"<sheetData>", b"<sheetData><row"))
    (learner,) = _learners(damaged)
    assert learner.given_name == "Ana"


def test_a_sheet_of_results_naming_a_field_twice_is_refused_not_passed_over(
    tmp_path: Path,
) -> None:
    from elmkit.errors import SourceError

    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Actas", "visible", [["expediente", "nombre", "nota", "calificacion"], ["1", "Ana", 8, 8]]),
            ("Copia", "visible", [HEADINGS, ["1", "Ana", 5]]),
        ],
        active=0,
    )
    with pytest.raises(SourceError, match="sheet 'Actas': columns 'nota' and 'calificacion'"):
        _read(path)


def test_surnames_given_both_ways_are_read_one_way(tmp_path: Path) -> None:
    """``Apellidos`` beside ``Primer apellido``/``Segundo apellido``, as SIS exports often give
    them: the split columns are read (the other is named as not read), and without a
    second-surname column the column of both surnames is."""
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;Apellidos;Primer apellido;Segundo apellido;nota\n"
        "1;Juan;García García;García;García;8\n",
        encoding="utf-8",
    )
    warnings: list[str] = []
    (learner,) = (item for _, item in iter_results(path, warn=warnings.append))
    assert isinstance(learner, LearnerResult) and learner.family_name == "García García"
    assert "'Apellidos'" in warnings[-1]
    path.write_text(
        "expediente;nombre;Primer apellido;Apellidos;nota\n1;Ana;Puig;Puig Serra;8\n",
        encoding="utf-8",
    )
    warnings.clear()
    (learner,) = (item for _, item in iter_results(path, warn=warnings.append))
    assert isinstance(learner, LearnerResult) and learner.family_name == "Puig Serra"
    assert "'Primer apellido'" in warnings[-1]


# -- spreadsheet errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    ["#N/A", " #N/A ", "#n/a", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!",
     "#SPILL!", "#CALC!", "#GETTING_DATA", "#N/D", "#¡VALOR!", "#¿NOMBRE?", "Err:502",
     # as Excel writes them in Catalan, French and German exports
     "#VALOR!", "#NOM?", "#NÚM!", "#VALEUR!", "#NV", "#WERT!"],
)
def test_a_csv_cell_holding_a_spreadsheet_error_makes_its_row_malformed(
    tmp_path: Path, error: str
) -> None:
    """A failed lookup in the export was read as data: a credential issued to "#N/A", a
    learner id "#N/A" accepted. A helper column elmkit does not read may hold one."""
    path = _csv(
        tmp_path / "r.csv",
        [["expediente", "nombre", "dni", "nota", "Grupo"], ["1", error, "12345678Z", "8", "A"],
         [error, "Joan", "00000000T", "7", "B"], ["3", "Eva", error, "9", "C"],
         ["4", "Pau", "", "6", error]],
    )
    ana, joan, eva, pau = _read(path)
    shown = error.strip()
    assert isinstance(ana, RowError) and ana.learner_id == "1"
    assert ana.message == (
        f"column 'nombre' holds the spreadsheet error {shown} (a formula that failed): "
        "correct it in the export"
    )
    assert isinstance(joan, RowError) and joan.learner_id is None
    assert joan.message.startswith(f"column 'expediente' holds the spreadsheet error {shown} ")
    assert isinstance(eva, RowError) and eva.message.startswith("column 'dni' holds")
    assert isinstance(pau, LearnerResult) and pau.given_name == "Pau"


@pytest.mark.parametrize("value", ["#Puig", "#12", "N/A", "#", "García #1", "#2!", "#ab cd!"])
def test_text_that_only_begins_like_a_spreadsheet_error_is_read(tmp_path: Path, value: str) -> None:
    path = _csv(tmp_path / "r.csv", [["expediente", "nombre", "nota"], ["1", value, "8"]])
    (learner,) = _read(path)
    assert isinstance(learner, LearnerResult) and learner.given_name == value


def test_several_spreadsheet_errors_of_a_row_are_named_together(tmp_path: Path) -> None:
    """Text that only resembles an error is read as it was."""
    path = _csv(
        tmp_path / "r.csv",
        [["expediente", "nombre", "apellidos", "correo", "nota"],
         ["1", "#N/A", "Puig", "#REF!", "#N/A"], ["#2", "Ana", "N/A", "", "8"],
         ["3", "Joan", "#Puig", "", "7"]],
    )
    row, ana, joan = _read(path)
    assert isinstance(row, RowError) and row.message == (
        "columns 'nombre' (#N/A), 'correo' (#REF!) and 'nota' (#N/A) hold spreadsheet errors "
        "(formulas that failed): correct them in the export"
    )
    assert isinstance(ana, LearnerResult) and isinstance(joan, LearnerResult)
    assert (ana.learner_id, ana.family_name, joan.family_name) == ("#2", "N/A", "#Puig")


def _error_cells(path: Path, rows: list[list[Any]], errors: dict[str, str]) -> Path:
    """A results sheet "Actas" whose cells ``errors`` (``{"B2": "#N/A"}``) are error cells,
    as a spreadsheet saves them."""
    book, sheet = _one_sheet(rows)
    for coordinate, error in errors.items():
        sheet[coordinate].value = error
        sheet[coordinate].data_type = "e"
    book.save(path)
    return path


def test_a_workbook_cell_holding_a_spreadsheet_error_makes_its_row_malformed(
    tmp_path: Path,
) -> None:
    """Whatever the error (a newer Excel's too), and also as the cached value of the formula
    that failed; an error in a column elmkit does not read leaves the row as it is."""
    rows = [
        ["expediente", "nombre", "nota", "Grupo"],
        ["1", "Ana", 8, "A"], ["2", "Joan", 7, "B"], ["3", "Eva", 9, "C"], ["4", "Pau", 6, "D"],
    ]
    written = _error_cells(
        tmp_path / "written.xlsx",
        rows,
        {"B2": "#N/A", "A3": "#REF!", "C4": "#PYTHON!", "D5": "#N/A"},
    )

    def from_a_lookup(data: bytes) -> bytes:
        cell = b'<c r="B2" t="e"><v>#N/A</v></c>'
        assert cell in data
        return data.replace(
            cell, b'<c r="B2" t="e"><f>VLOOKUP(A2,Alumnos!A:B,2,FALSE)</f><v>#N/A</v></c>'
        )

    path = edit_sheet(written, tmp_path / "r.xlsx", from_a_lookup)
    ana, joan, eva, pau = _read(path)
    assert isinstance(ana, RowError) and (ana.learner_id, ana.sheet) == ("1", "Actas")
    assert ana.message == (
        "sheet 'Actas', row 2: column 'nombre' holds the spreadsheet error #N/A (a formula "
        "that failed): correct it in the export"
    )
    assert isinstance(joan, RowError) and joan.learner_id is None
    assert joan.message.startswith("sheet 'Actas', row 3: column 'expediente' holds the spread")
    assert isinstance(eva, RowError) and "column 'nota' holds the spreadsheet error #PYTHON! " in (
        eva.message
    )
    assert isinstance(pau, LearnerResult) and pau.given_name == "Pau"


def test_a_batch_issues_no_credential_to_a_spreadsheet_error(tmp_path: Path) -> None:
    from elmkit.microcredentials.batch import issue_batch
    from test_issue_support import VALID_FROM, definition_file, read_manifest, require_serializers

    require_serializers()
    rows = [
        ["expediente", "nombre", "nota", "asistencia", "fecha"],
        ["1", "Ana", 8, 90, "15/06/2026"],
        ["2", "#N/A", 7, 90, "15/06/2026"],
        ["3", "Eva", 7, 90, "15/06/2026"],
    ]
    out = tmp_path / "out"
    path = _error_cells(tmp_path / "r.xlsx", rows, {"A4": "#N/A"})
    result = issue_batch(definition_file(tmp_path), path, out, images=False, valid_from=VALID_FROM)
    assert (result.issued, result.malformed, result.exit_code) == (1, 2, 1)
    _, joan, eva = read_manifest(out)
    assert (joan["state"], joan["learner_id"], eva["state"], eva["learner_id"]) == (
        "malformed", "2", "malformed", ""
    )
    assert joan["reasons"] == [
        "sheet 'Actas', row 3: column 'nombre' holds the spreadsheet error #N/A (a formula that "
        "failed): correct it in the export"
    ]
    texts = [file.read_text(encoding="utf-8") for file in (out / "credentials").glob("*")]
    assert len(texts) == 1 and "#N/A" not in texts[0]


# -- columns without a heading -------------------------------------------------------------------


def test_values_under_a_blank_csv_heading_are_warned_about_once(tmp_path: Path) -> None:
    """A blank-headed column between named ones, and trailing empty headings with values under
    them (``;;``), are not read, but no longer without a word; empty ones stay silent."""
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;;nombre;nota;;;\n1;a;Ana;8;;;\n2;b;Joan;7;;x;\n3;c;Eva;9;; ;\n",
        encoding="utf-8",
    )
    warnings: list[str] = []
    ana, joan, eva = (item for _, item in iter_results(path, warn=warnings.append))
    assert all(isinstance(item, LearnerResult) for item in (ana, joan, eva))
    assert warnings == [
        "columns 2 (B) and 6 (F) have values but no heading: not read; give them an accepted "
        "heading if they hold a grade, pass flag, e-mail, id or date"
    ]
    path.write_text("expediente;nombre;nota;;\n1;Ana;8;;\n2;Joan;7;; \n", encoding="utf-8")
    warnings.clear()
    assert len(list(iter_results(path, warn=warnings.append))) == 2
    assert warnings == []
    path.write_text("expediente;nombre;;nota\n1;Ana;;8\n2;Joan;tarde;7\n", encoding="utf-8")
    assert len(list(iter_results(path, warn=warnings.append))) == 2
    assert warnings == [
        "column 3 (C) has values but no heading: not read; give it an accepted heading if it "
        "holds a grade, pass flag, e-mail, id or date"
    ]


def test_values_under_a_blank_workbook_heading_are_warned_about_once(tmp_path: Path) -> None:
    rows = [
        [None, "expediente", "nombre", "  ", "nota", None, "fecha"],
        [1, "1", "Ana", None, 8, " ", "15/06/2026"],
        [2, "2", "Joan", "revisar", 7, None, "15/06/2026"],
        [3, "3", "Eva", "revisar", 9, None, "15/06/2026"],
    ]
    warnings: list[str] = []
    items = [item for _, item in iter_results(_actas(tmp_path / "r.xlsx", rows), warn=warnings.append)]
    assert [item.given_name for item in items if isinstance(item, LearnerResult)] == [
        "Ana", "Joan", "Eva"
    ]
    unheaded = [w for w in warnings if "no heading" in w]
    assert unheaded == [
        "columns A and D have values but no heading: not read; give them an accepted heading "
        "if they hold a grade, pass flag, e-mail, id or date"
    ]
    for row in rows:
        row[0] = row[3] = None
    warnings.clear()
    assert len(list(iter_results(_actas(tmp_path / "e.xlsx", rows), warn=warnings.append))) == 3
    assert not [w for w in warnings if "no heading" in w]


def test_a_batch_warns_about_values_under_a_blank_heading(tmp_path: Path) -> None:
    result = _issue_csv(
        tmp_path,
        "expediente;nombre;nota;;asistencia;fecha\n1;Ana;8;9,5;100;15/06/2026\n",
    )
    assert result.issued == 1
    assert result.warnings == (
        "column 4 (D) has values but no heading: not read; give it an accepted heading if it "
        "holds a grade, pass flag, e-mail, id or date",
    )


def test_galician_and_basque_name_headings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nome;apelidos;nota\n1;Xoán;Núñez Castañeira;7\n", encoding="utf-8"
    )
    (learner,) = _learners(path)
    assert (learner.given_name, learner.family_name) == ("Xoán", "Núñez Castañeira")
    path.write_text("expediente;izena;abizenak;nota\n1;Iñaki;Etxeberria;7\n", encoding="utf-8")
    (learner,) = _learners(path)
    assert (learner.given_name, learner.family_name) == ("Iñaki", "Etxeberria")


@pytest.mark.parametrize(
    ("flag", "passed"),
    [
        ("Bai", True), ("Ez", False), ("Gai", True), ("Ez gai", False),
        ("Gainditua", True), ("Ez gainditua", False), ("Aurkeztu gabe", False),
        ("Non", False), ("Non apto", False), ("Non apta", False), ("Non presentado", False),
    ],
)
def test_pass_flags_as_basque_and_galician_exports_write_them(flag: str, passed: bool) -> None:
    from elmkit.microcredentials.records import read_results

    (learner,) = read_results([{"learner_id": "1", "given_name": "Ane", "passed": flag}])
    assert isinstance(learner, LearnerResult) and learner.passed is passed


def test_a_basque_pass_column_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;izena;gainditua\n1;Iñaki;Bai\n2;Miren;Ez\n", encoding="utf-8"
    )
    assert [learner.passed for learner in _learners(path)] == [True, False]


@pytest.mark.parametrize("written", ["2026/11/18", "18/11/2026", "2026-11-18"])
def test_a_date_in_basque_order_is_read(written: str) -> None:
    from datetime import date

    from elmkit.microcredentials.records import read_results

    (learner,) = read_results(
        [{"learner_id": "1", "given_name": "Ane", "passed": "bai", "assessment_date": written}]
    )
    assert isinstance(learner, LearnerResult) and learner.assessment_date == date(2026, 11, 18)


def test_a_missing_column_names_the_headings_not_read(tmp_path: Path) -> None:
    from elmkit.errors import SourceError

    path = tmp_path / "r.csv"
    path.write_text("expediente;nomes;nota\n1;Ane;7\n", encoding="utf-8")
    with pytest.raises(SourceError, match="missing column") as caught:
        _read(path)
    assert "'nomes'" in str(caught.value) and "nombre" in str(caught.value)
