"""Sample data for ``elmkit demo``: a Spanish public university's short course and its results.

The university (Universitat Pública de Vallfosca, CIF Q2500777D) is fictional. The definition is in
Spanish, Catalan and English; ``learners.csv`` is a SIS export with Spanish column headings, 50
learners, some who did not pass or lack attendance, and one malformed row. The logo is drawn at
run time by :func:`~elmkit.microcredentials.demo.logo.logo_png`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from elmkit.microcredentials.files import atomic_write

__all__ = ["DEFINITION_FILE", "LEDGER_FILE", "RESULTS_FILE", "write_demo_inputs"]

DEFINITION_FILE = "definition.toml"
RESULTS_FILE = "learners.csv"
LOGO_FILE = "logo.png"
LEDGER_FILE = "ledger.sqlite"


def _shipped(name: str) -> bytes:
    return resources.files(__name__).joinpath(name).read_bytes()


def write_demo_inputs(folder: Path) -> tuple[Path, Path]:
    """Write the demo definition, results and logo into ``folder``; returns (definition, results).

    Files already there with the same content are left untouched.
    """
    from elmkit.microcredentials.demo.logo import logo_png

    folder.mkdir(parents=True, exist_ok=True)
    for name in (DEFINITION_FILE, RESULTS_FILE):
        data = _shipped(name)
        target = folder / name
        if not target.is_file() or target.read_bytes() != data:
            atomic_write(target, data, durable=False)
    logo = folder / LOGO_FILE
    if not logo.is_file():
        atomic_write(logo, logo_png(128), durable=False)
    return folder / DEFINITION_FILE, folder / RESULTS_FILE
