"""CSV exports of the ledger for spreadsheets and audits: a row per credential or per event.

RFC 4180 through :mod:`csv` (comma, CRLF, fields quoted when they must be). A text field that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a ``'`` before it, as
OWASP advises against formula injection: a spreadsheet shows it as text instead of running it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import IO, Any

from elmkit.ledger.model import Credential, Event
from elmkit.ledger.report import one_moment
from elmkit.ledger.store import LedgerStore, TimeLike

__all__ = [
    "CREDENTIAL_COLUMNS",
    "EVENT_COLUMNS",
    "FORMULA_PREFIXES",
    "credential_row",
    "event_rows",
    "export_credentials",
    "export_events",
    "neutralise",
    "write_csv",
]

#: The header of a CSV of credentials, in order.
CREDENTIAL_COLUMNS = (
    "credential_id",
    "learner_id",
    "definition_id",
    "definition_version",
    "state",
    "event_count",
    "created_at",
    "updated_at",
    "sha256",
    "file_path",
)

#: The header of a CSV of events, in order; the learner and definition are those of the
#: event's credential.
EVENT_COLUMNS = (
    "seq",
    "at",
    "event",
    "credential_id",
    "learner_id",
    "definition_id",
    "definition_version",
    "n",
    "actor",
    "sha256",
    "detail",
    "hash",
)

#: What a field may not begin with (a spreadsheet would read it as a formula): OWASP's list.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """``value`` as a CSV field: empty for None, with a ``'`` before text that a spreadsheet
    would read as a formula."""
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def credential_row(credential: Credential) -> list[str]:
    """A credential's fields in the order of :data:`CREDENTIAL_COLUMNS`."""
    return [
        neutralise(value)
        for value in (
            credential.credential_id,
            credential.learner_id,
            credential.definition_id,
            credential.definition_version,
            credential.state.value,
            credential.event_count,
            credential.created_at,
            credential.updated_at,
            credential.sha256,
            credential.file_path,
        )
    ]


def event_rows(store: LedgerStore, events: Iterable[Event]) -> Iterator[list[str]]:
    """Each event's fields in the order of :data:`EVENT_COLUMNS` (its ``detail`` as a JSON
    object); its credential's learner and definition are read from ``store``, a credential at a
    time, the recent ones kept (an event's neighbours are mostly of the same credentials)."""

    @lru_cache(maxsize=4096)
    def credential_of(credential_id: str) -> Credential | None:
        return store.get_credential(credential_id)

    for event in events:
        credential = credential_of(event.credential_id)
        detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True)
        yield [
            neutralise(value)
            for value in (
                event.seq,
                event.at,
                event.event.value,
                event.credential_id,
                credential.learner_id if credential else None,
                credential.definition_id if credential else None,
                credential.definition_version if credential else None,
                event.n,
                event.actor,
                event.sha256,
                detail,
                event.hash,
            )
        ]


def write_csv(
    stream: IO[str],
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    limit: int | None = None,
) -> tuple[int, bool]:
    """Write ``header`` and at most ``limit`` of ``rows`` (all when None) to ``stream``, a text
    stream opened with ``newline=""``; returns how many rows were written and whether more were
    left out."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    written = 0
    for row in rows:
        if limit is not None and written >= limit:
            return written, True
        writer.writerow(row)
        written += 1
    return written, False


def export_credentials(
    store: LedgerStore, stream: IO[str], *, limit: int | None = None, **filters: Any
) -> tuple[int, bool]:
    """Write the CSV of the credentials ``store.credentials(**filters)`` streams, read as of one
    moment when the store has a ``snapshot()``; returns what :func:`write_csv` returns."""
    with one_moment(store):
        found = (credential_row(item) for item in store.credentials(**filters))
        return write_csv(stream, CREDENTIAL_COLUMNS, found, limit=limit)


def export_events(
    store: LedgerStore,
    stream: IO[str],
    *,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
    limit: int | None = None,
) -> tuple[int, bool]:
    """Write the CSV of the events with ``since <= at < until``, in ledger order, read as of one
    moment when the store has a ``snapshot()``; returns what :func:`write_csv` returns."""
    with one_moment(store):
        found = event_rows(store, store.events(since=since, until=until))
        return write_csv(stream, EVENT_COLUMNS, found, limit=limit)
