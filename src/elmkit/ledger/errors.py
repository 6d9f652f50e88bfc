"""Typed errors of the issuance ledger."""

from __future__ import annotations

from elmkit.errors import ElmError

__all__ = [
    "ConflictError",
    "InvalidTransitionError",
    "LedgerError",
    "SchemaVersionError",
    "UnknownCredentialError",
    "UnknownDefinitionError",
]


class LedgerError(ElmError):
    """The ledger was given bad input, or its database cannot be used."""


class InvalidTransitionError(LedgerError):
    """An event is not allowed in the credential's current state (e.g. sealing a revoked one)."""

    def __init__(
        self, message: str, *, credential_id: str = "", event: str = "", state: str = ""
    ) -> None:
        super().__init__(message)
        self.credential_id = credential_id
        self.event = event
        self.state = state


class UnknownCredentialError(LedgerError, LookupError):
    """No credential with this id is in the ledger."""


class UnknownDefinitionError(LedgerError, LookupError):
    """No definition (or no such version of it) is in the ledger."""


class ConflictError(LedgerError):
    """The request contradicts what the ledger already holds.

    Raised when a credential id is claimed again for another learner or definition, when a
    definition version is registered again with a different document, or when a credential asks
    for a second status index on the same list for the same purpose.
    """


class SchemaVersionError(LedgerError):
    """The database was written by a newer schema than this version of elmkit knows."""
