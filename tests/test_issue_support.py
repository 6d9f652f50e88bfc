"""Shared helpers of the ``test_issue_*`` tests: sample definitions and results written to disk."""

from __future__ import annotations

import csv
import importlib
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from elmkit.microcredentials.demo import write_demo_inputs

VALID_FROM = datetime(2026, 6, 22, 9, 0, tzinfo=UTC)

HEADER = ("expediente", "nombre", "apellidos", "correo", "dni", "nota", "asistencia", "fecha")


def require_serializers() -> None:
    """Skip while ``elmkit.serializers.dumps`` is not available."""
    module = importlib.import_module("elmkit.serializers")
    if not hasattr(module, "dumps"):
        pytest.skip("elmkit.serializers.dumps is not available yet")


def demo_inputs(folder: Path) -> tuple[Path, Path]:
    """The shipped demo definition, results and logo, written into ``folder``."""
    return write_demo_inputs(folder)


def write_csv(path: Path, rows: Iterable[Iterable[Any]], header: Iterable[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(list(header))
        for row in rows:
            writer.writerow(list(row))
    return path


def write_xlsx(path: Path, rows: Iterable[Iterable[Any]], header: Iterable[str] = HEADER) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def learner_rows(count: int, *, start: int = 0) -> list[list[Any]]:
    """``count`` learners who all passed, with Spanish and Catalan names."""
    given = ["Núria", "Jordi", "Begoña", "Iñaki", "Marçal", "Marcel·lí", "Àlex", "Lucía"]
    family = ["Puig i Serra", "Castañer", "Ibáñez Muñoz", "Al·lès Caçador", "Peña", "Vidal"]
    rows = []
    for i in range(start, start + count):
        rows.append(
            [
                f"E{i:05d}",
                given[i % len(given)],
                family[i % len(family)],
                f"learner{i}@alumnes.example",
                "",
                f"{5 + (i % 5)},5",
                "90",
                "15/06/2026",
            ]
        )
    return rows


def definition_file(
    folder: Path, changes: Mapping[str, Any] | None = None, *, name: str = "def.json"
) -> Path:
    """The demo definition as JSON, with ``changes`` applied (dotted keys; ``None`` deletes)."""
    import tomllib

    toml_path, _ = write_demo_inputs(folder / "demo-input")
    data: dict[str, Any] = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    data["awarding_body"]["logo"] = str(toml_path.parent / "logo.png")
    for dotted, value in (changes or {}).items():
        target = data
        *parents, last = dotted.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def university_pki() -> Any:
    """A test PKI whose e-seal is the definition's university's (its organizationIdentifier is
    the issuer's eIDAS identifier), so that its credentials can be sealed."""
    from elmkit.sealing import create_test_pki

    return create_test_pki(
        org_name="Universitat Pública de Vallfosca",
        organization_identifier="VATES-Q2500777D",
        country="ES",
    )


def read_manifest(out: Path) -> list[dict[str, Any]]:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = data["rows"]
    return rows


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file (not the ledger, not the inputs) by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "ledger" not in p.name and "input" not in p.parts
    }


SHEET_XML = "xl/worksheets/sheet1.xml"


def edit_sheet(source: Path, target: Path, edit: Callable[[bytes], bytes]) -> Path:
    """``source`` (an XLSX file) copied to ``target`` with its first sheet's XML passed
    through ``edit``: a workbook as another tool, or a damaged copy, would hold it."""
    with zipfile.ZipFile(source) as given, zipfile.ZipFile(target, "w") as written:
        for item in given.infolist():
            data = given.read(item.filename)
            written.writestr(item, edit(data) if item.filename == SHEET_XML else data)
    return target


def with_prefix(data: bytes) -> bytes:
    """A sheet's XML written with a namespace prefix (``<x:row>``), as some export libraries
    write it."""
    data = re.sub(rb"<(/?)(\w+)", rb"<\1x:\2", data)
    return data.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")
