"""The issuance ledger: the full, append-only story of every credential.

A ledger records credential definitions, one row per credential (definition, learner, current
state, file, document digest) and an append-only, hash-chained history of events per credential
(defined, generated, exported, downloaded, uploaded, sealed, sent, suspended, unsuspended,
revoked). It also keeps the status-list indexes held by each credential.

>>> from elmkit.ledger import open_ledger
>>> ledger = open_ledger("sqlite:///ledger.db")  # doctest: +SKIP
"""

from __future__ import annotations

from elmkit.ledger.errors import (
    ConflictError,
    InvalidTransitionError,
    LedgerError,
    SchemaVersionError,
    UnknownCredentialError,
    UnknownDefinitionError,
)
from elmkit.ledger.model import (
    ACTIVE_STATES,
    ALLOWED_FROM,
    Credential,
    CredentialState,
    Definition,
    Derived,
    Event,
    EventType,
    IntegrityProblem,
    IntegrityReport,
    StatusEntry,
    StatusPurpose,
    plan_event,
    replay,
    sha256_hex,
)
from elmkit.ledger.report import (
    CredentialHistory,
    DefinitionActivity,
    DefinitionSummary,
    LedgerActivity,
    LedgerSummary,
    activity_table,
    credential_history,
    history_table,
    integrity_table,
    ledger_activity,
    ledger_summary,
    summary_table,
)
from elmkit.ledger.sqlite import SQLiteLedger
from elmkit.ledger.status import LedgerIndexStore
from elmkit.ledger.store import LedgerStore, open_ledger, register_store

__all__ = [
    "ACTIVE_STATES",
    "ALLOWED_FROM",
    "ConflictError",
    "Credential",
    "CredentialHistory",
    "CredentialState",
    "Definition",
    "DefinitionActivity",
    "DefinitionSummary",
    "Derived",
    "Event",
    "EventType",
    "IntegrityProblem",
    "IntegrityReport",
    "InvalidTransitionError",
    "LedgerActivity",
    "LedgerError",
    "LedgerIndexStore",
    "LedgerStore",
    "LedgerSummary",
    "SQLiteLedger",
    "SchemaVersionError",
    "StatusEntry",
    "StatusPurpose",
    "UnknownCredentialError",
    "UnknownDefinitionError",
    "activity_table",
    "credential_history",
    "history_table",
    "integrity_table",
    "ledger_activity",
    "ledger_summary",
    "open_ledger",
    "plan_event",
    "register_store",
    "replay",
    "sha256_hex",
    "summary_table",
]
