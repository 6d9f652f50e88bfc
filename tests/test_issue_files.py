"""Output plumbing of a batch: atomic and staged writes, reproducible ZIPs, the manifest, reading
SIS exports row by row."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import as_another_user_when_root
from elmkit.errors import SourceError
from elmkit.microcredentials.files import (
    TEMP_PREFIX,
    AtomicWriter,
    StagedFiles,
    ZipBundle,
    atomic_write,
    exclusive_lock,
    lock_file_for,
    remove_stale_temp_files,
    safe_name,
    sha256_file,
    write_zip,
)
from elmkit.microcredentials.manifest import ManifestRow, ManifestWriter, RowState, read_manifest
from elmkit.microcredentials.records import LearnerResult, RowError, iter_results
from test_issue_support import edit_sheet, with_prefix

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(texts)
def test_safe_names_are_plain_and_stable(text: str) -> None:
    name = safe_name(text)
    assert name == safe_name(text)
    assert name and all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    assert not name.startswith(".") and len(name) <= 60
    assert name.split(".")[0].lower() not in ("con", "prn", "aux", "nul", "com1", "lpt9")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("CON", "_CON"),
        ("nul", "_nul"),
        ("Aux.1", "_Aux.1"),
        ("COM1.2026", "_COM1.2026"),
        ("lpt9", "_lpt9"),
        ("PRN ", "_PRN"),
        ("x" * 70 + "", "x" * 60),
        ("console", "console"),
        ("COM10", "COM10"),
        ("con-1", "con-1"),
    ],
)
def test_safe_names_are_no_windows_device_names(text: str, name: str) -> None:
    assert safe_name(text) == name


def test_a_course_or_learner_named_as_a_windows_device_gets_files_windows_opens(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    from elmkit.microcredentials import load_definition
    from elmkit.microcredentials.batch import issue_batch
    from test_issue_support import definition_file

    definition = load_definition(definition_file(tmp_path)).model_copy(update={"id": "COM1"})
    learners = [{"learner_id": "aux.1", "given_name": "Ona", "grade": 7, "attendance": 100}]
    result = issue_batch(
        definition, learners, tmp_path / "out", images=False,
        valid_from=datetime(2026, 6, 22, tzinfo=UTC),
    )
    assert result.issued == 1 and result.bundle is not None
    with zipfile.ZipFile(result.bundle) as bundle:
        names = [result.bundle.name, *bundle.namelist()]
    for name in names:
        assert name.rsplit("/", 1)[-1].split(".")[0].lower() not in ("com1", "aux"), names


def test_atomic_write_replaces_whole_files_and_leaves_nothing_on_error(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file.json"
    atomic_write(target, b"first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    with pytest.raises(RuntimeError), AtomicWriter(target) as out:
        out.write(b"half of a third")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]
    assert sha256_file(target) == "16367aacb67a4a017c8da8ab95682ccb390863780f7114dda0a0e0c55644c7c4"


def test_staged_files_appear_only_on_commit(tmp_path: Path) -> None:
    staged = StagedFiles()
    staged.stage(tmp_path / "c" / "one.jsonld", b"1")
    staged.stage(tmp_path / "e" / "one.json", b"2")
    assert len(staged) == 2
    visible = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith(TEMP_PREFIX)]
    assert visible == []
    staged.commit()
    assert (tmp_path / "c" / "one.jsonld").read_bytes() == b"1"
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))

    aborted = StagedFiles(durable=False)
    aborted.stage(tmp_path / "c" / "two.jsonld", b"x")
    aborted.abort()
    assert not (tmp_path / "c" / "two.jsonld").exists()
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))


def test_a_file_where_a_folder_of_the_batch_belongs_is_named(tmp_path: Path) -> None:
    from elmkit.microcredentials.batch import issue_batch
    from test_issue_support import definition_file, learner_rows, write_csv

    out = tmp_path / "out"
    out.mkdir()
    (out / "europass").write_bytes(b"")  # a file left where the upload files go
    with pytest.raises(NotADirectoryError) as caught:
        issue_batch(
            definition_file(tmp_path), write_csv(tmp_path / "r.csv", learner_rows(1)), out,
            images=False,
        )
    assert caught.value.filename.startswith(str(out / "europass" / "E00000-"))
    assert TEMP_PREFIX not in str(caught.value)


def _folders_that_take_no_file(tmp_path: Path) -> list[Path]:
    """Folders where no file can be made: one without write permission (not for root, who may
    write anywhere) and /proc (where nobody may)."""
    folders = []
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        folders.append(locked)
    if Path("/proc/self").is_dir():
        folders.append(Path("/proc"))
    if not folders:
        pytest.skip("no folder here refuses a new file")
    return folders


def test_a_file_that_cannot_be_written_is_named_not_its_temporary_file(tmp_path: Path) -> None:
    """`elmkit seal -o`, `convert --out`, `status-list publish --out` into a folder that takes
    no file: the error names the file asked for."""
    for folder in _folders_that_take_no_file(tmp_path):
        target = folder / "sealed.json"
        with pytest.raises(OSError) as caught:
            atomic_write(target, b"{}")
        assert caught.value.filename == str(target), caught.value
        assert TEMP_PREFIX not in str(caught.value)


def _hold_lock(path: Path) -> subprocess.Popen[str]:
    """A process that takes the lock of ``path``, says so on its output and holds it until its
    input is closed (or it is killed)."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\n"
         "from elmkit.microcredentials.files import exclusive_lock\n"
         "with exclusive_lock(sys.argv[1]):\n"
         "    print('locked', flush=True)\n"
         "    sys.stdin.read()\n",
         str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_a_lock_file_another_user_made_is_locked_all_the_same() -> None:
    """Two users publish one list (an operator by hand, then the web server's cron job): the
    lock file the first made, which the second may only read, is locked, not refused as
    "Permission denied" for the list."""
    as_other_user = as_another_user_when_root()  # root opens any file
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        folder.chmod(0o777)
        target = folder / "list.json"
        lock_file_for(target).touch()
        lock_file_for(target).chmod(0o444)  # for root: another user's file, as 0o644 is
        holder = subprocess.Popen(
            [*as_other_user, sys.executable, "-c",
             "import sys\n"
             "from elmkit.microcredentials.files import exclusive_lock\n"
             "with exclusive_lock(sys.argv[1]):\n"
             "    print('locked', flush=True)\n"
             "    sys.stdin.read()\n",
             str(target)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline() == "locked\n", holder.communicate()[1]
        waited = []

        def release() -> None:
            waited.append(True)
            assert holder.stdin is not None
            holder.stdin.close()

        with exclusive_lock(target, on_wait=release):
            assert holder.wait(60) == 0
        assert waited == [True]


def test_a_lock_waits_for_its_holder_and_says_so(tmp_path: Path) -> None:
    target = tmp_path / "list.json"
    holder = _hold_lock(target)
    waited = []

    def release() -> None:
        waited.append(True)
        assert holder.stdin is not None
        holder.stdin.close()  # the holder finishes: the lock is ours

    with exclusive_lock(target, on_wait=release):
        assert holder.wait(60) == 0
    assert waited == [True]
    with exclusive_lock(target, on_wait=lambda: waited.append(False)):  # free again
        pass
    assert waited == [True]


def test_a_lock_held_by_a_process_that_crashed_blocks_nobody(tmp_path: Path) -> None:
    target = tmp_path / "list.json"
    holder = _hold_lock(target)
    holder.kill()
    holder.wait(60)
    assert lock_file_for(target).exists()  # left behind, and meaningless
    with exclusive_lock(target, on_wait=lambda: pytest.fail("a dead process held the lock")):
        pass


def test_a_lock_that_cannot_be_made_names_the_file_asked_for(tmp_path: Path) -> None:
    for folder in _folders_that_take_no_file(tmp_path):
        target = folder / "list.json"
        with pytest.raises(OSError) as caught, exclusive_lock(target):
            pass
        assert caught.value.filename == str(target), caught.value


def test_a_lock_in_a_folder_that_takes_no_file_is_refused_as_permission_denied() -> None:
    """`status-list publish --out` into a folder this user may not write to: the error is the
    folder's refusal (Permission denied), not a missing file in a folder that is there."""
    as_other_user = as_another_user_when_root()  # root writes anywhere
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        Path(name).chmod(0o755)
        target = folder / "list.json"
        try:
            tried = subprocess.run(
                [*as_other_user, sys.executable, "-c",
                 "import sys\n"
                 "from elmkit.microcredentials.files import exclusive_lock\n"
                 "try:\n"
                 "    with exclusive_lock(sys.argv[1]):\n"
                 "        print('locked')\n"
                 "except OSError as exc:\n"
                 "    print(type(exc).__name__, exc.filename)\n",
                 str(target)],
                capture_output=True, text=True, timeout=120, check=True,
            )  # fmt: skip
        finally:
            folder.chmod(0o755)
    assert tried.stdout.split() == ["PermissionError", str(target)], tried.stderr


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "credentials").mkdir()
        folder = tmp_path / "credentials"
        stale = folder / f"{TEMP_PREFIX}{dead.pid}-1-x.jsonld.part"
        unnamed = folder / f"{TEMP_PREFIX}abcdef.part"
        busy = folder / f"{TEMP_PREFIX}{running.pid}-1-y.jsonld.part"
        mine = AtomicWriter(tmp_path / "bundle.zip")  # this process's own, still open
        # a killed earlier run that had this process's id (as in a container, where the
        # process is often number 1 every time)
        earlier = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-0000ffff-bundle.zip.part"
        for temp in (stale, unnamed, busy, earlier):
            temp.write_bytes(b"{half")
        keep = folder / "x.jsonld"
        keep.write_bytes(b"{}")
        # files of processes still writing (another batch into the same folder) are kept
        assert remove_stale_temp_files(tmp_path) == 3
        assert not stale.exists() and not unnamed.exists() and not earlier.exists()
        assert busy.exists() and keep.exists()
        mine.write(b"PK")
        mine.commit()
        assert (tmp_path / "bundle.zip").read_bytes() == b"PK"
    finally:
        running.kill()
        running.wait()


@pytest.mark.parametrize("background", [False, True])
def test_zip_bundle_written_in_steps_is_published_only_when_closed(
    tmp_path: Path, background: bool
) -> None:
    source = tmp_path / "on-disk.json"
    source.write_bytes(b'{"b": 2}')
    bundle = ZipBundle(tmp_path / "b.zip", durable=False, background=background)
    bundle.add("a.json", b'{"a": 1}')
    bundle.add_file("b.json", source)
    assert not (tmp_path / "b.zip").exists()
    bundle.close()
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        assert archive.namelist() == ["a.json", "b.json"]
        assert archive.read("b.json") == b'{"b": 2}'
    dropped = ZipBundle(tmp_path / "c.zip", durable=False, background=background)
    dropped.add("a.json", b"{}")
    dropped.abort()
    assert not (tmp_path / "c.zip").exists()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


@settings(max_examples=20, deadline=None)
@given(st.lists(st.binary(max_size=2000), min_size=1, max_size=5))
def test_zip_is_reproducible_and_complete(
    tmp_path_factory: pytest.TempPathFactory, contents: list[bytes]
) -> None:
    folder = tmp_path_factory.mktemp("zip")
    members = []
    for i, data in enumerate(contents):
        path = folder / f"f{i}.json"
        path.write_bytes(data)
        members.append((f"dir/f{i}.json", path))
    write_zip(folder / "a.zip", members)
    os.utime(members[0][1], (0, 0))  # file times never reach the archive
    write_zip(folder / "b.zip", members)
    assert (folder / "a.zip").read_bytes() == (folder / "b.zip").read_bytes()
    with zipfile.ZipFile(folder / "a.zip") as archive:
        assert archive.testzip() is None
        assert [archive.read(name) for name, _ in members] == contents


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(texts, texts, st.lists(texts, max_size=3)), max_size=6))
def test_manifest_csv_and_json_hold_the_same_rows(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, list[str]]]
) -> None:
    folder = tmp_path_factory.mktemp("manifest")
    writer = ManifestWriter(folder, {"definition": "d"}, durable=False)
    written = []
    for n, (learner, name, reasons) in enumerate(rows, start=1):
        row = ManifestRow(
            n, RowState.NOT_ELIGIBLE, learner_id=learner, name=name, reasons=tuple(reasons)
        )
        writer.add(row)
        written.append(row)
    writer.close({"rows": len(rows)})
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert data["batch"] == {"definition": "d"} and data["summary"] == {"rows": len(rows)}
    assert read_manifest(folder / "manifest.json") == [r.to_json() for r in written]
    with (folder / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert [(r["learner_id"], r["name"]) for r in csv_rows] == [
        (_as_shown(r.learner_id), _as_shown(r.name)) for r in written
    ]


def _as_shown(text: str) -> str:
    """What manifest.csv holds for a value: a formula-like one behind an apostrophe."""
    return "'" + text if text and text[0] in "=+-@\t\r" else text


def test_manifest_csv_never_holds_a_formula(tmp_path: Path) -> None:
    writer = ManifestWriter(tmp_path, {"definition": "d"}, durable=False)
    names = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "Ana"]
    for n, name in enumerate(names, start=1):
        writer.add(ManifestRow(n, RowState.NOT_ELIGIBLE, learner_id=f"L{n}", name=name))
    writer.close({"rows": len(names)})
    with (tmp_path / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        shown = [r["name"] for r in csv.DictReader(handle)]
    assert shown == ["'" + name for name in names[:-1]] + ["Ana"]
    assert [r["name"] for r in read_manifest(tmp_path / "manifest.json")] == names


def test_manifest_csv_starts_with_a_byte_order_mark_for_excel(tmp_path: Path) -> None:
    """Excel takes a CSV file for UTF-8 only after a BOM: without it, "Iñaki" shows as
    "IÃ±aki". ``record … --manifest`` reads the file with or without one."""
    writer = ManifestWriter(tmp_path, {"definition": "d"}, durable=False)
    writer.add(ManifestRow(1, RowState.NOT_ELIGIBLE, learner_id="L1", name="Iñaki Etxeberria"))
    writer.close({"rows": 1})
    data = (tmp_path / "manifest.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfrow,") and data.count(b"\xef\xbb\xbf") == 1
    assert "Iñaki Etxeberria".encode() in data


def test_an_aborted_manifest_leaves_the_previous_one(tmp_path: Path) -> None:
    first = ManifestWriter(tmp_path, {"run": 1}, durable=False)
    first.add(ManifestRow(1, RowState.ISSUED, learner_id="a"))
    first.close()
    before = (tmp_path / "manifest.json").read_bytes()
    second = ManifestWriter(tmp_path, {"run": 2}, durable=False)
    second.add(ManifestRow(1, RowState.ISSUED, learner_id="b"))
    second.abort()
    assert (tmp_path / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.csv", "manifest.json"]


def test_csv_rows_are_numbered_and_read_as_a_stream(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "\ufeffexpediente;nombre;nota\n1;Begoña;8,5\n\n2;Iñaki;ocho\n3;Marçal;7;extra\n4;Ona;6\n",
        encoding="utf-8",
    )
    items = list(iter_results(path))
    assert [n for n, _ in items] == [2, 4, 5, 6]  # as a spreadsheet program numbers them
    assert isinstance(items[0][1], LearnerResult) and items[0][1].grade == 8.5
    assert isinstance(items[1][1], RowError) and "grade" in items[1][1].message
    assert isinstance(items[2][1], RowError) and "more cells" in items[2][1].message
    assert items[2][1].learner_id == "3"
    assert isinstance(items[3][1], LearnerResult)


def test_blank_lines_before_the_heading_count_as_rows(tmp_path: Path) -> None:
    """A spreadsheet program shows them as rows, so the row numbers given are its own."""
    path = tmp_path / "r.csv"
    for empty in (";;", ",,", '"";""'):  # how spreadsheet programs write an empty row
        sep = empty[-1] if empty[-1] != '"' else ";"
        heading = sep.join(["expediente", "nombre", "nota"])
        path.write_text(f"\n{empty}\n{heading}\n1{sep}Begoña{sep}ocho\n", encoding="utf-8")
        ((number, item),) = iter_results(path)
        assert number == 4 and isinstance(item, RowError) and item.row == 4, empty
        assert "grade: not a number: 'ocho'" in item.message


def test_utf16_exports_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("id\tnombre\tapto\nA1\tLucía\tsí\n".encode("utf-16"))
    (item,) = [r for _, r in iter_results(path)]
    assert isinstance(item, LearnerResult) and item.given_name == "Lucía" and item.passed is True


def _damaged_sheet(path: Path, rows: int) -> Path:
    """An XLSX of ``rows`` learners whose sheet XML stops in the middle of its last rows."""
    from test_issue_support import learner_rows, write_xlsx

    write_xlsx(path, learner_rows(rows))
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet[: sheet.index(b"<row ", len(sheet) // 2) + 20]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_unreadable_workbooks_are_source_errors(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_text("expediente;nombre\n1;Begoña\n", encoding="utf-8")
    foreign = tmp_path / "foreign.xlsx"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    for path in (garbage, foreign):
        with pytest.raises(SourceError, match="not a readable XLSX workbook") as caught:
            list(iter_results(path))
        assert caught.value.file == str(path)

    damaged = _damaged_sheet(tmp_path / "damaged.xlsx", 12)
    read: list[int] = []
    with pytest.raises(SourceError, match=r"cannot be read at the sheet's row \d+") as caught:
        for number, _item in iter_results(damaged):
            read.append(number)
    assert caught.value.file == str(damaged)
    assert read == []  # the sheet is read to its end before its first row is given, as CSV is



def test_a_cell_naming_a_shared_string_the_workbook_lacks_is_a_source_error(
    tmp_path: Path,
) -> None:
    """A shared strings part cut short, or an export tool that numbers its strings wrong: the
    batch stopped with a traceback (IndexError) instead of saying where the workbook breaks."""
    from test_issue_support import learner_rows, write_xlsx

    path = write_xlsx(tmp_path / "r.xlsx", learner_rows(12))
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet, count = re.subn(
        rb'<c r="B9" t="inlineStr"><is><t>[^<]*</t></is></c>',
        b'<c r="B9" t="s"><v>40</v></c>',
        members["xl/worksheets/sheet1.xml"],
    )
    assert count == 1
    members["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    read: list[int] = []
    with pytest.raises(SourceError, match=r"cannot be read at the sheet's row 9 \(IndexError"):
        for number, _item in iter_results(path):
            read.append(number)
    assert read == []

def test_not_utf8_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("id;nombre\n1;Begoña\n".encode("cp1252"))
    with pytest.raises(SourceError, match="UTF-8"):
        list(iter_results(path))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.binary(max_size=70_000), min_size=1, max_size=12))
def test_zip_bundle_in_the_background_writes_the_same_bytes(
    tmp_path_factory: pytest.TempPathFactory, contents: list[bytes]
) -> None:
    folder = tmp_path_factory.mktemp("zip")
    for background in (False, True):
        bundle = ZipBundle(folder / f"{background}.zip", durable=False, background=background)
        for i, data in enumerate(contents):
            bundle.add(f"m/{i}.json", data)
        bundle.close()
    assert (folder / "False.zip").read_bytes() == (folder / "True.zip").read_bytes()


def test_zip_bundle_failure_in_the_background_reaches_the_caller(tmp_path: Path) -> None:
    bundle = ZipBundle(tmp_path / "b.zip", durable=False, background=True)
    bundle.add("a.json", b"{}")
    bundle.add_file("gone.json", tmp_path / "no-such-file.json")
    with pytest.raises(FileNotFoundError):
        for _ in range(10_000):  # the failure is raised by a later add, or by close
            bundle.add("more.json", b"{}")
        bundle.close()
    bundle.abort()
    assert not (tmp_path / "b.zip").exists()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


@pytest.mark.parametrize("background", [False, True])
def test_zip_bundle_takes_any_bytes_like_data(tmp_path: Path, background: bool) -> None:
    with ZipBundle(tmp_path / "b.zip", durable=False, background=background) as bundle:
        bundle.add("a.json", bytearray(b'{"a": 1}'))
        bundle.add("b.json", memoryview(b'{"b": 2}'))
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        assert archive.read("a.json") == b'{"a": 1}' and archive.read("b.json") == b'{"b": 2}'
    assert bundle.count == 2


def test_zip_bundle_writes_what_zipfile_writes(tmp_path: Path) -> None:
    members = [(f"credentials/{i:03d}.jsonld", os.urandom(i * 37) * 3) for i in range(60)]
    with ZipBundle(tmp_path / "bundle.zip", durable=False) as bundle:
        for name, data in members:
            bundle.add(name, data)
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as archive:
        for name, data in members:
            archive.writestr(ZipBundle._info(name), data)
    assert (tmp_path / "bundle.zip").read_bytes() == (tmp_path / "plain.zip").read_bytes()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def _traced_after(bundle: ZipBundle, start: int, stop: int) -> int:
    import tracemalloc

    for i in range(start, stop):
        bundle.add(f"credentials/{i:08d}-learner.jsonld", b"{}")
    return tracemalloc.get_traced_memory()[0]


def test_zip_bundle_memory_does_not_grow_with_its_members(tmp_path: Path) -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        with ZipBundle(tmp_path / "many.zip", durable=False) as bundle:
            first = _traced_after(bundle, 0, 2_000)
            later = _traced_after(bundle, 2_000, 12_000)
    finally:
        tracemalloc.stop()
    # an in-memory member list would hold about 4 MB more for the 10,000 later members
    assert later - first < 256 * 1024
    with zipfile.ZipFile(tmp_path / "many.zip") as archive:
        names = archive.namelist()
    assert len(names) == 12_000 and names[-1] == "credentials/00011999-learner.jsonld"


@pytest.mark.slow
def test_zip_bundle_of_more_members_than_a_plain_zip_holds(tmp_path: Path) -> None:
    with ZipBundle(tmp_path / "zip64.zip", durable=False, background=True) as bundle:
        for i in range(70_000):
            bundle.add(f"m/{i}", b"")
    with zipfile.ZipFile(tmp_path / "zip64.zip") as archive:
        assert len(archive.infolist()) == 70_000 and archive.testzip() is None


def test_spreadsheet_numbers_are_read_as_the_ids_they_show(tmp_path: Path) -> None:
    from test_issue_support import write_xlsx

    rows = [[202501000, "Núria", "Puig", "", 12345678, "8,5", "", ""]]
    rows.append([202501001.0, "Jordi", "Vidal", "", "", 7, "", ""])
    items = [item for _, item in iter_results(write_xlsx(tmp_path / "r.xlsx", rows))]
    assert [type(item) for item in items] == [LearnerResult, LearnerResult]
    assert [item.learner_id for item in items if isinstance(item, LearnerResult)] == [
        "202501000",
        "202501001",
    ]
    assert isinstance(items[0], LearnerResult) and items[0].national_id == "12345678"


def test_a_learner_field_given_by_two_columns_is_refused(tmp_path: Path) -> None:
    from test_issue_support import write_xlsx

    path = tmp_path / "r.csv"
    path.write_text("expediente;nombre;Nombre;nota\n1;Ona;Anna;7\n", encoding="utf-8")
    with pytest.raises(SourceError, match="'nombre' and 'Nombre' both give the given name"):
        list(iter_results(path))
    workbook = write_xlsx(tmp_path / "r.xlsx", [[1, "Ona", "Anna"]], ("id", "nombre", "nom"))
    with pytest.raises(SourceError, match="both give the given name"):
        list(iter_results(workbook))


def test_a_bad_byte_near_the_end_stops_before_the_first_row(tmp_path: Path) -> None:
    lines = ["expediente;nombre;nota"] + [f"{i};Ona;7" for i in range(1, 301)]
    data = "\n".join(lines).encode("utf-8") + b"\n"
    bad_at = data.index(b"250;Ona")
    path = tmp_path / "r.csv"
    path.write_bytes(data[:bad_at] + b"\xff" + data[bad_at:])
    rows = iter_results(path)
    with pytest.raises(SourceError, match=r"not UTF-8 text at line 251 \(.* at byte " + str(bad_at)):
        next(rows)

    quoted = tmp_path / "q.csv"
    quoted.write_text("\n".join([*lines[:200], '7;"Ona', *lines[200:]]), encoding="utf-8")
    with pytest.raises(SourceError, match="malformed CSV at line"):
        csv.field_size_limit(40)
        try:
            next(iter_results(quoted))
        finally:
            csv.field_size_limit(131072)


def test_a_workbook_without_a_worksheet_is_a_source_error(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    workbook.create_chartsheet()
    workbook.save(tmp_path / "chart.xlsx")
    with pytest.raises(SourceError) as caught:
        list(iter_results(tmp_path / "chart.xlsx"))
    assert caught.value.file == str(tmp_path / "chart.xlsx")
    assert "AttributeError" not in str(caught.value)


def test_headings_are_checked_even_without_rows(tmp_path: Path) -> None:
    from test_issue_support import write_xlsx

    cases = {"empty.csv": "", "blank.csv": "\n\n", "one-column.csv": "a\n", "foreign.csv": "foo;bar\n"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        expected = "empty" if name in ("empty.csv", "blank.csv") else "missing column"
        with pytest.raises(SourceError, match=expected):
            list(iter_results(tmp_path / name))
    with pytest.raises(SourceError, match="missing column"):
        list(iter_results(write_xlsx(tmp_path / "r.xlsx", [], ("foo", "bar"))))
    (tmp_path / "header-only.csv").write_text("expediente;nombre;nota\n", encoding="utf-8")
    assert list(iter_results(tmp_path / "header-only.csv")) == []


def test_results_with_no_grade_and_no_pass_column_are_refused_naming_what_was_not_read(
    tmp_path: Path,
) -> None:
    from elmkit.microcredentials import read_results

    path = tmp_path / "notas.csv"
    path.write_text("expediente;nombre;puntuación media\n1;Ana;9\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no grade and no pass column") as caught:
        list(iter_results(path))
    assert "'puntuación media'" in str(caught.value)
    # records given in code are read one by one: one without a grade is simply not eligible
    (record,) = read_results([{"learner_id": "1", "given_name": "Ana", "final": 9}])
    assert isinstance(record, LearnerResult) and record.grade is None


def test_two_surname_columns_make_the_family_name(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;primer_apellido;segundo_apellido;nota\n1;Marta;Puig;Etxeberria;9\n"
        "2;Iker;Garmendia;;8\n",
        encoding="utf-8",
    )
    first, second = (item for _, item in iter_results(path))
    assert isinstance(first, LearnerResult) and first.family_name == "Puig Etxeberria"
    assert first.full_name == "Marta Puig Etxeberria"
    assert isinstance(second, LearnerResult) and second.family_name == "Garmendia"


def test_workbook_percentages_are_read_as_shown(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["expediente", "nombre", "nota", "asistencia"])
    sheet.append(["1", "Ana", 8, 0.95])
    sheet.append(["2", "Joan", 7, 85])
    sheet["D2"].number_format = "0%"
    sheet["D3"].number_format = "0"
    path = tmp_path / "r.xlsx"
    book.save(path)
    first, second = (item for _, item in iter_results(path))
    assert isinstance(first, LearnerResult) and first.attendance == 95  # shown as 95%, not 0.95%
    assert isinstance(second, LearnerResult) and second.attendance == 85


def test_a_workbook_named_csv_is_named_for_what_it_is(tmp_path: Path) -> None:
    from test_issue_support import write_xlsx

    book = write_xlsx(tmp_path / "r.xlsx", [], ("expediente", "nombre", "nota"))
    renamed = tmp_path / "r.csv"
    renamed.write_bytes(book.read_bytes())
    with pytest.raises(SourceError, match="workbook \\(XLSX\\), not CSV text"):
        list(iter_results(renamed))


def test_python_m_elmkit_runs_the_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "elmkit", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "demo" in done.stdout, done.stderr


def test_a_formula_never_computed_is_named_not_read_as_empty(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["expediente", "nombre", "parcial1", "parcial2", "nota"])
    sheet.append(["1", "Ana", 8, 9, "=AVERAGE(C2:D2)"])  # openpyxl computes nothing
    path = tmp_path / "r.xlsx"
    book.save(path)
    with pytest.raises(SourceError, match="cell E2 holds a formula that was never computed"):
        list(iter_results(path))
    # its XML written with a namespace prefix (<x:c>), as some export libraries write it: the
    # formula was not seen, and the grade read as empty (a learner "not eligible")
    prefixed = edit_sheet(path, tmp_path / "prefixed.xlsx", with_prefix)
    with pytest.raises(SourceError, match="cell E2 holds a formula that was never computed"):
        list(iter_results(prefixed))
    # the same workbook once a spreadsheet program computed and saved it: the value is read
    computed = edit_sheet(
        path, tmp_path / "computed.xlsx", lambda data: data.replace(b"</f><v></v>", b"</f><v>8.5</v>")
    )
    (item,) = (item for _, item in iter_results(computed))
    assert isinstance(item, LearnerResult) and item.grade == 8.5
    # a text that merely looks like a formula is a value
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["expediente", "nombre", "nota"])
    sheet.append(["1", "<f>x</f>", 8])
    book.save(path)
    (item,) = (item for _, item in iter_results(path))
    assert isinstance(item, LearnerResult) and item.given_name == "<f>x</f>"


def test_a_formula_computed_to_empty_text_is_read_as_empty(tmp_path: Path) -> None:
    """Excel saves a formula whose value is an empty text (``=SI(C2="";"";C2)``, common in
    templates, often in a helper column) as ``<c t="str"><f>…</f><v/></c>``: the workbook was
    refused as holding a formula never computed."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["expediente", "nombre", "nota", "Revisión"])
    sheet.append(["1", "Ana", 8, '=IF(C2>=5,"","revisar")'])
    sheet.append(["2", "Joan", 7, '=IF(C3>=5,"","revisar")'])
    written = tmp_path / "written.xlsx"
    book.save(written)
    for empty in (b"<v/>", b"<v></v>"):

        def as_excel_saves(data: bytes, empty: bytes = empty) -> bytes:
            data = data.replace(b'"><f>IF(', b'" t="str"><f>IF(')
            data = data.replace(b"</f><v></v>", b"</f>" + empty)
            assert data.count(b't="str"><f>IF(') == 2
            return data

        path = edit_sheet(written, tmp_path / "r.xlsx", as_excel_saves)
        ana, joan = (item for _, item in iter_results(path))
        assert isinstance(ana, LearnerResult) and isinstance(joan, LearnerResult), empty


def test_a_quoted_line_break_does_not_shift_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'expediente;nombre;nota\n1;"Ana\nMaria";8\n2;Joan;x\n\n3;Iker;7\n', encoding="utf-8"
    )
    numbered = list(iter_results(path))
    assert [number for number, _ in numbered] == [2, 3, 5]  # the blank line is row 4
    first, second, third = (item for _, item in numbered)
    assert isinstance(first, LearnerResult) and first.given_name == "Ana\nMaria"
    assert isinstance(second, RowError) and second.row == 3
    assert isinstance(third, LearnerResult) and third.learner_id == "3"
