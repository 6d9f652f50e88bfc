"""Ready-made queries for command-line tools and their ``rich`` renderings."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from elmkit.ledger.errors import UnknownCredentialError
from elmkit.ledger.model import (
    Credential,
    CredentialState,
    Event,
    EventType,
    IntegrityReport,
    StatusEntry,
    utc_timestamp,
)
from elmkit.ledger.store import LedgerStore, TimeLike

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "CredentialHistory",
    "DefinitionActivity",
    "DefinitionSummary",
    "LedgerActivity",
    "LedgerSummary",
    "activity_table",
    "credential_history",
    "history_table",
    "integrity_table",
    "ledger_activity",
    "ledger_summary",
    "summary_table",
]

_EVENT_STYLES = {
    EventType.DEFINED: "dim",
    EventType.REGENERATED: "cyan",
    EventType.SEALED: "green",
    EventType.SENT: "bold green",
    EventType.SUSPENDED: "yellow",
    EventType.UNSUSPENDED: "yellow",
    EventType.REVOKED: "bold red",
}


@dataclass(frozen=True, slots=True)
class CredentialHistory:
    """A credential with its full history and status-list entries."""

    credential: Credential
    events: tuple[Event, ...]
    status_entries: tuple[StatusEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the records' own fields (states and events as their names)."""
        return {
            "credential": asdict(self.credential),
            "events": [asdict(event) for event in self.events],
            "status_entries": [asdict(entry) for entry in self.status_entries],
        }


Counted = TypeVar("Counted", CredentialState, EventType)


@dataclass(frozen=True, slots=True)
class _DefinitionCounts(Generic[Counted]):
    """Counts of one definition's credentials, by state or by event type."""

    definition_id: str
    title: str
    counts: dict[Counted, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class DefinitionSummary(_DefinitionCounts[CredentialState]):
    """How many credentials of one definition are in each state."""


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    """Counts per state, overall and per definition."""

    counts: dict[CredentialState, int]
    definitions: tuple[DefinitionSummary, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: totals and counts per state, overall and per definition."""
        return _counts_dict(self.counts, self.definitions)


@dataclass(frozen=True, slots=True)
class DefinitionActivity(_DefinitionCounts[EventType]):
    """How many events of each type the credentials of one definition had in a period."""


@dataclass(frozen=True, slots=True)
class LedgerActivity:
    """Events of each type in ``[since, until)`` (UTC timestamps; None: unbounded), overall and
    per definition."""

    since: str | None
    until: str | None
    counts: dict[EventType, int]
    definitions: tuple[DefinitionActivity, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the period, and totals and counts per event type, overall and
        per definition."""
        return {"since": self.since, "until": self.until, **_counts_dict(self.counts, self.definitions)}


def _counts_dict(
    counts: Mapping[Counted, int], definitions: Sequence[_DefinitionCounts[Counted]]
) -> dict[str, Any]:
    """Totals and counts by name (of states or event types), overall and per definition."""

    def named(values: Mapping[Counted, int]) -> dict[str, int]:
        return {key.value: n for key, n in values.items()}

    return {
        "total": sum(counts.values()),
        "counts": named(counts),
        "definitions": [
            {
                "definition_id": item.definition_id,
                "title": item.title,
                "total": item.total,
                "counts": named(item.counts),
            }
            for item in definitions
        ],
    }


def one_moment(store: LedgerStore) -> AbstractContextManager[object]:
    """The store's ``snapshot()`` when it has one (``SQLiteLedger`` does; the protocol does not
    ask for it), else nothing."""
    snapshot = getattr(store, "snapshot", None)
    return snapshot() if callable(snapshot) else nullcontext()


def credential_history(store: LedgerStore, credential_id: str) -> CredentialHistory:
    """Everything the ledger knows about one credential, read as of one moment when the store
    has a ``snapshot()`` (so that ``credential.event_count`` is the number of events)."""
    with one_moment(store):
        credential = store.get_credential(credential_id)
        if credential is None:
            raise UnknownCredentialError(f"no credential {credential_id!r} in the ledger")
        return CredentialHistory(
            credential,
            tuple(store.history(credential_id)),
            tuple(store.status_entries_for(credential_id)),
        )


def ledger_summary(store: LedgerStore) -> LedgerSummary:
    """Counts per state for the whole ledger and for each definition, read as of one moment when
    the store has a ``snapshot()`` (so that the totals are the sums of the parts)."""
    with one_moment(store):
        titles: dict[str, str] = {}
        for definition in store.definitions():
            titles[definition.definition_id] = definition.title
        per_definition = tuple(
            DefinitionSummary(
                definition_id, title, store.counts_by_state(definition_id=definition_id)
            )
            for definition_id, title in titles.items()
        )
        return LedgerSummary(store.counts_by_state(), per_definition)


def ledger_activity(
    store: LedgerStore, *, since: TimeLike | None = None, until: TimeLike | None = None
) -> LedgerActivity:
    """How many events of each type happened in ``[since, until)``, overall and for each
    definition the ledger holds (zeros included), read as of one moment when the store has a
    ``snapshot()``."""
    with one_moment(store):
        titles: dict[str, str] = {}
        for definition in store.definitions():
            titles[definition.definition_id] = definition.title
        found = store.event_counts_by_definition(since=since, until=until)
    per_definition = tuple(
        DefinitionActivity(
            definition_id, title, found.get(definition_id, dict.fromkeys(EventType, 0))
        )
        for definition_id, title in titles.items()
    )
    overall = {
        event: sum(item.counts.get(event, 0) for item in per_definition) for event in EventType
    }
    return LedgerActivity(
        None if since is None else utc_timestamp(since),
        None if until is None else utc_timestamp(until),
        overall,
        per_definition,
    )


def _short(digest: str | None) -> str:
    return f"{digest[:12]}…" if digest else ""


def history_table(history: CredentialHistory | Sequence[Event]) -> Table:
    """A ``rich`` table of a credential's events, oldest first; for a :class:`CredentialHistory`,
    its caption names the learner, the definition and each status-list entry."""
    from rich.table import Table
    from rich.text import Text

    events = history.events if isinstance(history, CredentialHistory) else tuple(history)
    table = Table(title="Credential history", show_lines=False)
    if isinstance(history, CredentialHistory):
        credential = history.credential
        table.title = Text(f"{credential.credential_id}: {credential.state.value}")
        entries = "".join(
            f"\n{entry.purpose.value} index {entry.index} on {entry.list_url}"
            + (
                f" (superseded {entry.superseded_at}: set for good, for the seal before a "
                "correction)"
                if entry.superseded_at
                else ""
            )
            for entry in history.status_entries
        )
        table.caption = Text(
            f"learner {credential.learner_id} · definition {credential.definition_id}"
            f"@{credential.definition_version}{entries}"
        )
    table.add_column("#", justify="right")
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("event", overflow="fold")
    table.add_column("actor", overflow="fold")
    table.add_column("sha256", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for event in events:
        detail = (
            json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else ""
        )
        table.add_row(
            str(event.n),
            event.at.replace("T", " ").removesuffix("Z"),
            event.event.value,
            Text(event.actor),
            _short(event.sha256),
            Text(detail),
            style=_EVENT_STYLES.get(event.event),
        )
    return table


def summary_table(summary: LedgerSummary) -> Table:
    """A ``rich`` table of credentials per definition and state (states in use only)."""
    states = [state for state, count in summary.counts.items() if count] or [
        CredentialState.DEFINED
    ]
    return _counts_table("Ledger summary", states, summary.counts, summary.definitions)


def _moment(timestamp: str | None, otherwise: str) -> str:
    return otherwise if timestamp is None else timestamp.replace("T", " ")[:19]


def activity_table(activity: LedgerActivity) -> Table:
    """A ``rich`` table of events per definition and event type (types that happened only)."""
    events = [event for event, count in activity.counts.items() if count]
    period = (
        f"{_moment(activity.since, 'the start')} to {_moment(activity.until, 'now')} (UTC, "
        "end excluded)"
    )
    return _counts_table(
        f"Ledger events from {period}", events, activity.counts, activity.definitions
    )


def _counts_table(
    title: str,
    columns: Sequence[Counted],
    counts: Mapping[Counted, int],
    definitions: Sequence[_DefinitionCounts[Counted]],
) -> Table:
    """A row of ``columns``' counts per definition, then the row of them all."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    table.add_column("definition", overflow="fold")
    table.add_column("title")
    for column in columns:
        table.add_column(column.value, justify="right")
    table.add_column("total", justify="right", style="bold")
    for definition in definitions:
        table.add_row(
            Text(definition.definition_id),
            Text(definition.title),
            *(str(definition.counts.get(column, 0)) for column in columns),
            str(definition.total),
        )
    table.add_row(
        "all",
        "",
        *(str(counts.get(column, 0)) for column in columns),
        str(sum(counts.values())),
        style="bold",
    )
    return table


def integrity_table(report: IntegrityReport) -> Table:
    """A ``rich`` table of the problems ``verify_integrity`` found (empty when all is well)."""
    from rich.table import Table
    from rich.text import Text

    verdict = "intact" if report.ok else f"{len(report.problems)} problem(s)"
    table = Table(
        title=f"Ledger integrity: {verdict}",
        caption=f"{report.credentials} credential(s), {report.events} event(s) checked",
    )
    table.add_column("kind", style="bold red")
    table.add_column("credential", overflow="fold")
    table.add_column("seq", justify="right")
    table.add_column("problem", overflow="fold")
    for problem in report.problems:
        seq = "" if problem.seq is None else str(problem.seq)
        table.add_row(problem.kind, Text(problem.credential_id), seq, Text(problem.message))
    return table
