"""A batch with worker processes and a profile registered at run time, under every start method.

A worker started by ``spawn`` (the default on macOS and Windows) or ``forkserver`` (on Linux from
Python 3.14) begins with the built-in and entry-point profiles only: the ones registered in the
parent are sent to it, or the batch refuses before it issues anything. Each case runs a real
script, in its own interpreter, that sets the start method as a program would.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from test_issue_support import require_serializers

pytestmark = pytest.mark.usefixtures("serializers")

PROFILE = "acme-local"

#: An importable module with the profile: a stamp on every credential, with a note given when the
#: profile object is made (so that a worker shows it got the parent's object, not a new one).
PROFILE_MODULE = '''
import os

from elmkit.profiles import Finding, Severity


class Stamp:
    title = "ACME: a stamp on every credential"

    def __init__(self, name, note, fail=""):
        self.name = name
        self.note = note
        self.fail = fail
        self.home = os.getpid()

    def check(self, credential, *, stage):
        yield Finding(
            code=self.name + "/stamp",
            severity=Severity.WARNING,
            messages={"en": self.note},
            profile=self.name,
        )

    def with_shared(self, shared):
        if self.fail == "prepare" and os.getpid() != self.home:
            raise RuntimeError("this profile cannot be prepared outside its own process")
        return self

    def __setstate__(self, state):
        if state["fail"] == "unpickle" and os.getpid() != state["home"]:
            raise RuntimeError("this profile cannot be unpickled outside its own process")
        self.__dict__.update(state)


class PluginStamp(Stamp):
    """A profile an installed package declares as an entry point; it holds a lock, so it
    cannot be pickled, and need not be: every process loads it by its name."""

    def __init__(self):
        import threading

        super().__init__("acme-plugin", "loaded from the entry point")
        self.lock = threading.Lock()


class ObjectPluginStamp(PluginStamp):
    """A profile object an entry point names (rather than a class to call)."""

    def __init__(self):
        super().__init__()
        self.name = "acme-object"
        self.note = "the entry point's own object"


PLUGIN = ObjectPluginStamp()
'''

ENTRY_POINTS = """[elmkit.profiles]
acme-plugin = acme_profiles:PluginStamp
acme-object = acme_profiles:PLUGIN
"""

SCRIPT = '''
import json
import multiprocessing
import sys
from datetime import UTC, datetime
from pathlib import Path


def main(method, case, folder):
    multiprocessing.set_start_method(method)
    from elmkit.errors import ElmError
    from elmkit.microcredentials.batch import issue_batch
    from elmkit.microcredentials.demo import write_demo_inputs
    from elmkit.profiles import register_profile

    import acme_profiles

    name = "acme-local"
    if case == "plugin":
        name = "acme-plugin"  # not registered: the worker loads the entry point
    elif case == "object":
        name = "acme-object"  # the entry point's own object, registered by the application
        register_profile(acme_profiles.PLUGIN)
    elif case == "override":
        name = "acme-plugin"  # the entry point's class, configured by the application
        configured = acme_profiles.PluginStamp()
        configured.note = "configured by the application"
        del configured.lock  # so that it can be pickled
        register_profile(configured, replace=True)
    elif case == "local":

        class LocalStamp(acme_profiles.Stamp):  # defined in a function: it cannot be pickled
            pass

        register_profile(LocalStamp(name, "made in the parent"))
    else:
        register_profile(acme_profiles.Stamp(name, "made in the parent", fail=case))
    definition, results = write_demo_inputs(Path(folder) / "input")
    rows = []
    try:
        result = issue_batch(
            definition,
            results,
            Path(folder) / "out",
            profiles=("edc-ap", name),
            workers=2,
            images=False,
            valid_from=datetime(2026, 6, 22, 9, 0, tzinfo=UTC),
            chunk_size=4,
            progress=rows.append,
        )
    except Exception as exc:
        report = {"error": type(exc).__name__, "elmkit": isinstance(exc, ElmError), "message": str(exc)}
    else:
        report = {
            "issued": result.issued,
            "stamps": [
                finding["message"]
                for row in rows
                if row.state.value == "issued"
                for finding in row.findings
                if finding["code"] == name + "/stamp"
            ],
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:])
'''


@pytest.fixture
def serializers() -> None:
    require_serializers()


def _methods(*wanted: str) -> list[str]:
    available = multiprocessing.get_all_start_methods()
    return [method for method in wanted if method in available]


def run_batch(tmp_path: Path, method: str, case: str) -> dict[str, Any]:
    """Issue the demo batch with 2 workers started by ``method`` and a profile registered at run
    time (``case``: ``ok``, ``local``, ``unpickle`` or ``prepare``; ``plugin``: an entry point's
    profile instead); what the script reports."""
    (tmp_path / "acme_profiles.py").write_text(PROFILE_MODULE, encoding="utf-8")
    package = tmp_path / "acme_profiles-1.0.dist-info"
    package.mkdir(exist_ok=True)
    (package / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-profiles\nVersion: 1.0\n", encoding="utf-8"
    )
    (package / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    script = tmp_path / "issue_with_workers.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(tmp_path), *filter(None, [env.get("PYTHONPATH", "")])]
    )
    done = subprocess.run(
        [sys.executable, str(script), method, case, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    report: dict[str, Any] = json.loads(lines[-1])
    report["stderr"] = done.stderr
    return report


def _written(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "out"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("method", _methods("spawn", "forkserver", "fork"))
def test_profile_registered_at_run_time_reaches_the_workers(tmp_path: Path, method: str) -> None:
    report = run_batch(tmp_path, method, "ok")
    assert "error" not in report, report
    assert report["issued"] == 41
    # every credential was checked by the parent's profile object, in the workers
    assert report["stamps"] == ["made in the parent"] * 41
    assert "unknown profile" not in report["stderr"]


@pytest.mark.parametrize("method", _methods("spawn", "forkserver"))
def test_profile_that_cannot_be_pickled_is_refused_before_issuing(
    tmp_path: Path, method: str
) -> None:
    report = run_batch(tmp_path, method, "local")
    assert report["error"] == "ProfileError" and report["elmkit"], report
    message = report["message"]
    assert PROFILE in message
    assert "picklable" in message and "entry point" in message and "workers=1" in message
    assert _written(tmp_path) == []


@pytest.mark.parametrize("method", _methods("spawn", "forkserver"))
def test_entry_point_profile_is_loaded_by_the_workers_not_sent(tmp_path: Path, method: str) -> None:
    report = run_batch(tmp_path, method, "plugin")
    assert "error" not in report, report
    assert report["issued"] == 41 and report["stamps"] == ["loaded from the entry point"] * 41


@pytest.mark.parametrize("method", _methods("spawn", "forkserver"))
def test_the_entry_point_s_own_object_registered_by_the_application_is_not_sent(
    tmp_path: Path, method: str
) -> None:
    """It cannot be pickled, and need not be: the workers load the same object by its name."""
    report = run_batch(tmp_path, method, "object")
    assert "error" not in report, report
    assert report["stamps"] == ["the entry point's own object"] * 41


@pytest.mark.parametrize("method", _methods("spawn", "forkserver"))
def test_entry_point_profile_replaced_at_run_time_is_sent(tmp_path: Path, method: str) -> None:
    """The workers must use the application's object, not load the entry point's default."""
    report = run_batch(tmp_path, method, "override")
    assert "error" not in report, report
    assert report["stamps"] == ["configured by the application"] * 41


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
def test_forked_workers_have_a_profile_that_cannot_be_pickled(tmp_path: Path) -> None:
    report = run_batch(tmp_path, "fork", "local")
    assert "error" not in report, report
    assert report["issued"] == 41 and report["stamps"] == ["made in the parent"] * 41


@pytest.mark.parametrize(
    ("case", "error", "said"),
    [
        ("unpickle", "ProfileError", "cannot be unpickled outside its own process"),
        ("prepare", "ProfileError", "with_shared() failed: RuntimeError: this profile cannot be prepared outside"),
    ],
)
def test_worker_that_cannot_start_is_a_clear_error(
    tmp_path: Path, case: str, error: str, said: str
) -> None:
    if "spawn" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        pytest.skip("no spawn here")
    report = run_batch(tmp_path, "spawn", case)
    assert report["error"] == error and report["elmkit"], report
    assert "a worker process could not start" in report["message"]
    assert said in report["message"]
    if case == "unpickle":
        assert PROFILE in report["message"] and "workers=1" in report["message"]
    assert "BrokenProcessPool" not in report["stderr"]
    assert not [p for p in _written(tmp_path) if p.suffix in (".jsonld", ".json", ".zip")]
