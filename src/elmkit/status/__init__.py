"""Revocation and suspension with W3C Bitstring Status Lists (and the older StatusList2021).

Issuer side: :class:`StatusList`, :func:`status_entry` (:func:`elm_status_entry` for ELM
credentials), :func:`status_list_credential`, :class:`RandomIndexAllocator`. Verifier side:
:func:`check_status` with a :class:`StatusListFetcher`. Nothing here touches the network unless an
:class:`HttpFetcher` is constructed; httpx is imported only then.
"""

from __future__ import annotations

from elmkit.status.allocator import (
    IndexAllocator,
    IndexStore,
    InMemoryIndexStore,
    RandomIndexAllocator,
)
from elmkit.status.bitstring import DEFAULT_MAX_SIZE, MIN_SIZE, StatusList
from elmkit.status.credential import (
    STATUS_LIST_2021_CONTEXT,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    StatusPurpose,
    elm_status_entry,
    status_entry,
    status_list_credential,
)
from elmkit.status.errors import (
    IndexExhaustedError,
    StatusIndexError,
    StatusListDecodeError,
    StatusListError,
    StatusListFetchError,
)
from elmkit.status.fetch import (
    CachingFetcher,
    DictFetcher,
    FileFetcher,
    HttpFetcher,
    StatusListFetcher,
)
from elmkit.status.verify import EnvelopeVerifier, check_status

__all__ = [
    "DEFAULT_MAX_SIZE",
    "MIN_SIZE",
    "STATUS_LIST_2021_CONTEXT",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "CachingFetcher",
    "DictFetcher",
    "EnvelopeVerifier",
    "FileFetcher",
    "HttpFetcher",
    "InMemoryIndexStore",
    "IndexAllocator",
    "IndexExhaustedError",
    "IndexStore",
    "RandomIndexAllocator",
    "StatusIndexError",
    "StatusList",
    "StatusListDecodeError",
    "StatusListError",
    "StatusListFetchError",
    "StatusListFetcher",
    "StatusPurpose",
    "check_status",
    "elm_status_entry",
    "status_entry",
    "status_list_credential",
]
