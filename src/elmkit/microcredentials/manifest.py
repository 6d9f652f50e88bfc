"""The batch manifest: one row per input row, in CSV and JSON, written as the batch goes.

Rows are streamed to temporary files and both manifests appear atomically when the batch ends,
so memory stays flat however many learners there are and a killed run leaves no half manifest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from elmkit.microcredentials.files import AtomicWriter

__all__ = [
    "MANIFEST_COLUMNS",
    "CredentialChange",
    "ManifestRow",
    "ManifestWriter",
    "RowState",
    "read_manifest",
]


class RowState(StrEnum):
    """What happened to one input row."""

    ISSUED = "issued"
    """A valid credential was written (JSON-LD and Europass upload file)."""
    INVALID = "invalid"
    """The credential failed the profiles; no issuable file was written."""
    NOT_ELIGIBLE = "not-eligible"
    """The learner did not earn the credential (reasons given)."""
    MALFORMED = "malformed"
    """The row could not be read (row number and reason given)."""
    DUPLICATE = "duplicate"
    """The same learner appeared earlier in the input with the same result; only the first row
    counts."""
    CONFLICT = "conflict"
    """The same learner appeared earlier in the input with another result (a resit, a
    correction?), and the first row was used; or the row contradicts itself (passed, with a
    grade below the pass mark). Someone must check which is right."""
    SKIPPED = "skipped"
    """The ledger holds the credential in a state that forbids producing it again (revoked…)."""
    ERROR = "error"
    """Building the credential failed for this learner (reason given)."""


class CredentialChange(StrEnum):
    """What one run of a batch did to a row's credential, as the ledger tells it.

    Unlike :class:`RowState`, it depends on the runs before: running the same batch again makes
    every issued credential :attr:`UNCHANGED`.
    """

    NEW = "new"
    """The ledger held no document for the credential: this run wrote it first."""
    REGENERATED = "regenerated"
    """The ledger held another document for it (a grade, a name or the definition changed): its
    files were rewritten and the ledger recorded ``regenerated``."""
    REEXPORTED = "re-exported"
    """The same document, but another Europass upload file than the ledger recorded (its delivery
    details changed): the ledger recorded ``exported`` again."""
    RESTORED = "restored"
    """The same document and upload file as the ledger holds, but one of its files was missing
    (deleted, or moved to ``withdrawn/`` while it was suspended): this run wrote it again."""
    UNCHANGED = "unchanged"
    """The same document and upload file as the ledger holds, written again with the same
    bytes."""
    WITHDRAWN = "withdrawn"
    """Revoked or suspended in the ledger: this run moved its files to ``withdrawn/``."""
    WRITTEN = "written"
    """Written by a batch without a ledger, which cannot tell whether it changed."""


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One line of the manifest."""

    row: int
    """The row in the results file as a spreadsheet program shows it (the heading is row 1,
    so the first learner is row 2); for records given directly, their position (1 = the
    first)."""
    state: RowState
    learner_id: str = ""
    name: str = ""
    email: str = ""
    credential_id: str = ""
    file: str = ""
    """The JSON-LD file, relative to the output folder."""
    sha256: str = ""
    upload_file: str = ""
    """The Europass upload file (``{"credential", "deliveryDetails"}``), relative."""
    upload_sha256: str = ""
    reasons: tuple[str, ...] = ()
    """Why the learner is not eligible, why the row is malformed, …"""
    findings: tuple[Mapping[str, str], ...] = field(default_factory=tuple)
    """Profile findings (errors and warnings): ``code``, ``severity``, ``path``, ``message``."""
    change: CredentialChange | None = None
    """What this run did to the credential; None when it wrote and moved nothing for the row. Not
    in the manifest files, which the same batch writes alike every time."""

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "state": self.state.value,
            "learner_id": self.learner_id,
            "name": self.name,
            "email": self.email,
            "credential_id": self.credential_id,
            "file": self.file,
            "sha256": self.sha256,
            "upload_file": self.upload_file,
            "upload_sha256": self.upload_sha256,
            "reasons": list(self.reasons),
            "findings": [dict(f) for f in self.findings],
        }

    def to_csv(self) -> list[str]:
        """The CSV cells, for people: a value a spreadsheet would run as a formula starts with an
        apostrophe (``manifest.json`` keeps every value as it is)."""
        findings = "; ".join(
            f"[{f.get('severity', '')}] {f.get('path') or '/'}: {f.get('message', '')} ({f.get('code', '')})"
            for f in self.findings
        )
        return [
            str(self.row),
            self.state.value,
            *map(
                _inert,
                (
                    self.learner_id,
                    self.name,
                    self.email,
                    self.credential_id,
                    self.file,
                    self.sha256,
                    self.upload_file,
                    self.upload_sha256,
                    "; ".join(self.reasons),
                    findings,
                ),
            ),
        ]


def _inert(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it (CSV formula injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


MANIFEST_COLUMNS = (
    "row",
    "state",
    "learner_id",
    "name",
    "email",
    "credential_id",
    "file",
    "sha256",
    "upload_file",
    "upload_sha256",
    "reasons",
    "findings",
)


class ManifestWriter:
    """Streams rows to ``manifest.csv`` and ``manifest.json``; :meth:`close` publishes both.

    ``header`` is the JSON manifest's ``batch`` member (definition, profiles, stage…). If the
    writer is discarded with :meth:`abort` (or the process dies) neither file is replaced.
    """

    def __init__(self, folder: Path, header: Mapping[str, Any], *, durable: bool = True) -> None:
        self.csv_path = folder / "manifest.csv"
        self.json_path = folder / "manifest.json"
        self._csv = AtomicWriter(self.csv_path, durable=durable)
        self._json = AtomicWriter(self.json_path, durable=durable)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._buffer.write("\ufeff")  # Excel reads UTF-8 only after a byte order mark
        self._writer.writerow(MANIFEST_COLUMNS)
        self._flush_csv()
        head = json.dumps(dict(header), ensure_ascii=False, sort_keys=True)
        self._json.write(('{\n  "batch": ' + head + ',\n  "rows": [').encode("utf-8"))
        self._count = 0

    def _flush_csv(self) -> None:
        self._csv.write(self._buffer.getvalue().encode("utf-8"))
        self._buffer.seek(0)
        self._buffer.truncate()

    def add(self, row: ManifestRow) -> None:
        self._writer.writerow(row.to_csv())
        self._flush_csv()
        text = json.dumps(row.to_json(), ensure_ascii=False, sort_keys=True)
        self._json.write((("\n    " if self._count == 0 else ",\n    ") + text).encode("utf-8"))
        self._count += 1

    def close(self, summary: Mapping[str, Any] | None = None) -> None:
        """Finish both files and move them into place."""
        tail = "\n  ]" if self._count else "]"
        if summary is not None:
            tail += ',\n  "summary": ' + json.dumps(
                dict(summary), ensure_ascii=False, sort_keys=True
            )
        self._json.write((tail + "\n}\n").encode("utf-8"))
        self._csv.commit()
        self._json.commit()

    def abort(self) -> None:
        self._csv.abort()
        self._json.abort()


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """The rows of a ``manifest.json`` (for tools and tests)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows: Sequence[dict[str, Any]] = data["rows"]
    return list(rows)
