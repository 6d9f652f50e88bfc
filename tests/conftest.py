"""Shared test fixtures: where the reference material lives; hypothesis settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# In continuous integration the examples depend only on the commit, so a run that passed
# before a change lands passes again; local runs keep exploring new examples.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference"
ELM_DIR = REFERENCE_DIR / "elm"
SAMPLES_DIR = ELM_DIR / "samples" / "official-elm-v3"
SHAPES_DIR = ELM_DIR / "shacl" / "edc" / "v3.2"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert REFERENCE_DIR.is_dir(), f"reference material missing: {REFERENCE_DIR}"
    return REFERENCE_DIR


def as_another_user_when_root() -> list[str]:
    """The command prefix that runs a process as an unprivileged user when the tests run as
    root (who opens and writes any file), none otherwise; skips where that cannot be done."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root, and no setpriv to run as another user")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    tried = subprocess.run([*prefix, sys.executable, "-c", "import elmkit"], capture_output=True)
    if tried.returncode != 0:  # this interpreter or elmkit is where that user cannot read
        pytest.skip("root, and another user cannot run this Python with elmkit")
    return prefix
