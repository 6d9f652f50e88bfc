"""One status list kept in a ledger, in the shape the status-list allocators expect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from elmkit.ledger.errors import LedgerError
from elmkit.ledger.model import StatusPurpose
from elmkit.ledger.store import LedgerStore

__all__ = ["LedgerIndexStore"]


@dataclass(frozen=True, slots=True)
class LedgerIndexStore:
    """The reserved indexes of one status list and purpose, read from and written to a ledger.

    It is an ``IndexStore`` for :class:`elmkit.status.allocator.RandomIndexAllocator`, whose
    ``allocate(reserve=...)`` records each index together with the credential holding it::

        indexes = LedgerIndexStore(ledger, list_url)
        allocator = RandomIndexAllocator(indexes, size)
        index = indexes.held_by(credential_id)
        if index is None:
            index = allocator.allocate(reserve=indexes.reserver(credential_id))
    """

    ledger: LedgerStore
    list_url: str
    purpose: StatusPurpose = StatusPurpose.REVOCATION

    def __post_init__(self) -> None:
        if self.purpose not in tuple(StatusPurpose):
            raise LedgerError(f"unknown status purpose {self.purpose!r}: revocation or suspension")
        object.__setattr__(self, "purpose", StatusPurpose(self.purpose))

    def used_indexes(self) -> set[int]:
        """Every index of the list already reserved (for any purpose)."""
        return self.ledger.used_indexes(self.list_url)

    def held_by(self, credential_id: str) -> int | None:
        """The index this credential holds on the list for this purpose now, if any (not one
        superseded when it was regenerated after a seal)."""
        for entry in self.ledger.status_entries_for(credential_id):
            if (
                entry.list_url == self.list_url
                and entry.purpose is self.purpose
                and entry.superseded_at is None
            ):
                return entry.index
        return None

    def reserver(self, credential_id: str) -> Callable[[int], bool]:
        """A ``reserve(index) -> bool`` that records the index for ``credential_id``."""

        def reserve(index: int) -> bool:
            return self.ledger.reserve_index(self.list_url, index, credential_id, self.purpose)

        return reserve

    def reserve(self, index: int) -> bool:
        """Not available: a ledger records every index together with its credential."""
        raise LedgerError(
            f"status index {index} needs a credential: allocate with "
            "reserve=LedgerIndexStore.reserver(credential_id)"
        )
