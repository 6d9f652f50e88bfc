"""A batch killed half-way (SIGKILL, a real process) and run again: exactly one credential per
eligible learner, every visible file complete, no temporary file left, a consistent ledger."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from elmkit.ledger import open_ledger
from elmkit.microcredentials.batch import CREDENTIALS_DIR, UPLOAD_DIR, issue_batch
from elmkit.microcredentials.files import TEMP_PREFIX
from test_issue_support import (
    definition_file,
    learner_rows,
    read_manifest,
    require_serializers,
    write_csv,
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

LEARNERS = 24
FAILING = {5, 17}  # rows whose learner did not pass

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from elmkit.microcredentials import files
    from elmkit.microcredentials.batch import issue_batch

    mode, definition, results, out, ledger, when = sys.argv[1:]
    when = int(when)
    issued = []

    def progress(row):
        if row.state.value == "issued":
            issued.append(row)
            if mode == "progress" and len(issued) == when:
                os.kill(os.getpid(), signal.SIGKILL)
            if mode == "term" and len(issued) == when:  # a supervisor's stop: this process only
                os.kill(os.getpid(), signal.SIGTERM)

    if mode == "commit":
        original = files.StagedFiles.commit
        calls = []

        def commit(self):
            calls.append(1)
            if len(calls) == when:
                # publish half of this chunk's files, then die before the rest and the ledger
                for temp, path in self._pending[: len(self._pending) // 2]:
                    os.replace(temp, path)
                os.kill(os.getpid(), signal.SIGKILL)
            return original(self)

        files.StagedFiles.commit = commit

    issue_batch(definition, results, out, ledger=ledger, images=False, chunk_size=4,
                progress=progress, workers=2 if mode == "term" else 1)
    """
)


@pytest.fixture
def batch_inputs(tmp_path: Path) -> tuple[Path, Path]:
    require_serializers()
    rows = learner_rows(LEARNERS)
    for index in FAILING:
        rows[index - 1][5] = "3"
    return definition_file(tmp_path), write_csv(tmp_path / "results.csv", rows)


def _start(
    tmp_path: Path, mode: str, when: int, definition: Path, results: Path
) -> subprocess.Popen[bytes]:
    script = tmp_path / "batch.py"
    script.write_text(SCRIPT, encoding="utf-8")
    args = [str(definition), str(results), str(tmp_path / "out"), str(tmp_path / "ledger.sqlite")]
    return subprocess.Popen(
        [sys.executable, str(script), mode, *args, str(when)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _visible_outputs_are_complete(out: Path) -> None:
    for folder in (CREDENTIALS_DIR, UPLOAD_DIR):
        for path in (out / folder).glob("*"):
            assert not path.name.startswith(TEMP_PREFIX) or path.name.endswith(".part")
            if not path.name.startswith(TEMP_PREFIX):
                json.loads(path.read_text(encoding="utf-8"))  # complete JSON, never half a file


def _check_complete(tmp_path: Path, definition: Path, results: Path) -> None:
    out = tmp_path / "out"
    result = issue_batch(definition, results, out, ledger=tmp_path / "ledger.sqlite", images=False)
    eligible = LEARNERS - len(FAILING)
    assert result.issued == eligible
    assert not [p for p in out.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    documents = sorted((out / CREDENTIALS_DIR).glob("*.jsonld"))
    uploads = sorted((out / UPLOAD_DIR).glob("*.json"))
    assert len(documents) == len(uploads) == eligible
    ids = [json.loads(p.read_text(encoding="utf-8"))["id"] for p in documents]
    assert len(set(ids)) == eligible
    manifest = {row["credential_id"]: row for row in read_manifest(out) if row["state"] == "issued"}
    assert set(manifest) == set(ids)
    with open_ledger(tmp_path / "ledger.sqlite") as store:
        credentials = list(store.credentials())
        assert len(credentials) == eligible
        assert len({c.learner_id for c in credentials}) == eligible
        for credential in credentials:
            row = manifest[credential.credential_id]
            assert credential.sha256 == row["sha256"]
            assert credential.state.value == "exported"
            document = (out / row["file"]).read_bytes()
            assert hashlib.sha256(document).hexdigest() == row["sha256"]
        assert store.verify_integrity().ok


@pytest.mark.parametrize(
    "killed_at",
    [pytest.param(1, marks=pytest.mark.slow), pytest.param(9, marks=pytest.mark.slow), 21],
)
def test_killed_after_some_credentials_then_completed(
    tmp_path: Path, batch_inputs: tuple[Path, Path], killed_at: int
) -> None:
    definition, results = batch_inputs
    process = _start(tmp_path, "progress", killed_at, definition, results)
    _, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err.decode()
    out = tmp_path / "out"
    assert not (out / "manifest.json").exists()  # published only by a finished batch
    _visible_outputs_are_complete(out)
    _check_complete(tmp_path, definition, results)


@pytest.mark.parametrize("chunk", [1, pytest.param(4, marks=pytest.mark.slow)])
def test_killed_while_publishing_files_then_completed(
    tmp_path: Path, batch_inputs: tuple[Path, Path], chunk: int
) -> None:
    definition, results = batch_inputs
    process = _start(tmp_path, "commit", chunk, definition, results)
    _, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err.decode()
    out = tmp_path / "out"
    assert [p for p in out.rglob(f"{TEMP_PREFIX}*")], "the kill should leave temporary files"
    _visible_outputs_are_complete(out)
    _check_complete(tmp_path, definition, results)


@pytest.mark.slow
def test_killed_from_outside_at_an_arbitrary_moment(
    tmp_path: Path, batch_inputs: tuple[Path, Path]
) -> None:
    definition, results = batch_inputs
    process = _start(tmp_path, "none", 0, definition, results)
    credentials = tmp_path / "out" / CREDENTIALS_DIR
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if credentials.is_dir() and len(list(credentials.glob("*.jsonld"))) >= 3:
            break
        time.sleep(0.005)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    _visible_outputs_are_complete(tmp_path / "out")
    _check_complete(tmp_path, definition, results)


def test_terminated_with_workers_stops_them_then_completed(
    tmp_path: Path, batch_inputs: tuple[Path, Path]
) -> None:
    definition, results = batch_inputs
    process = _start(tmp_path, "term", 5, definition, results)
    # workers left running would hold the pipes open and this would time out
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0 and b"KeyboardInterrupt" in err, err.decode()
    _visible_outputs_are_complete(tmp_path / "out")
    _check_complete(tmp_path, definition, results)


#: ``elmkit`` itself, whose batch sends SIGTERM to its own process once ``STOP_AFTER`` rows are
#: done: ``timeout``, a cancelled CI job or a job queue stopping the command half-way.
COMMAND_STOPPED = textwrap.dedent(
    """
    import os, signal, sys
    from elmkit.microcredentials import batch

    original = batch.issue_batch

    def issue_batch(*args, progress, **options):
        done = []

        def advance(row):
            progress(row)
            done.append(row)
            if len(done) == int(os.environ["STOP_AFTER"]):
                os.kill(os.getpid(), signal.SIGTERM)

        return original(*args, progress=advance, **options)

    batch.issue_batch = issue_batch
    from elmkit.cli import main

    sys.argv = ["elmkit", *sys.argv[1:]]
    main()
    """
)


@pytest.mark.parametrize("workers", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_the_command_terminated_stops_as_interrupted_then_completed(
    tmp_path: Path, batch_inputs: tuple[Path, Path], workers: str
) -> None:
    definition, results = batch_inputs
    script = tmp_path / "command.py"
    script.write_text(COMMAND_STOPPED, encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(script), "issue", str(definition), str(results), "--out", str(out),
         "--ledger", str(tmp_path / "ledger.sqlite"), "--no-images", "--workers", workers,
         "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STOP_AFTER": "3"},
    )
    assert done.returncode == 130, done.stderr
    assert json.loads(done.stdout)["exit_status"] == 130
    assert "interrupted" in done.stderr and "run the same command again" in done.stderr
    assert not [p for p in out.rglob(f"{TEMP_PREFIX}*")], "no temporary file left behind"
    assert not (out / "manifest.json").exists()  # published only by a finished batch
    _visible_outputs_are_complete(out)
    _check_complete(tmp_path, definition, results)
