"""Shared test fixtures: where the reference material lives; hypothesis settings."""

from __future__ import annotations

import os
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
