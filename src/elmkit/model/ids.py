"""Node identifiers: ``urn:epass:<class>:<uuid>`` as the Commission's tools mint them.

Random ids (uuid4) for one-off documents; deterministic ids (uuid5 from a namespace and a key)
so that issuing the same credential again never changes its ids.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TypeVar

from elmkit.model.base import ElmNode

__all__ = ["ELMKIT_NAMESPACE", "assign_ids", "id_prefix", "new_id", "stable_id"]

#: Default uuid5 namespace for deterministic ids.
ELMKIT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:elmkit:ids")

N = TypeVar("N", bound=ElmNode)


def id_prefix(cls: type[ElmNode] | str) -> str:
    """The class part of an id: the class name in lowerCamelCase (``learningAchievement``)."""
    name = cls if isinstance(cls, str) else cls.__name__
    return name[:1].lower() + name[1:]


def new_id(cls: type[ElmNode] | str) -> str:
    """A fresh random id for a node of ``cls``."""
    return f"urn:epass:{id_prefix(cls)}:{uuid.uuid4()}"


def stable_id(cls: type[ElmNode] | str, key: str, *, namespace: uuid.UUID | str = ELMKIT_NAMESPACE) -> str:
    """A deterministic id: the same class, key and namespace always give the same id."""
    ns = namespace if isinstance(namespace, uuid.UUID) else uuid.uuid5(uuid.NAMESPACE_URL, namespace)
    prefix = id_prefix(cls)
    return f"urn:epass:{prefix}:{_uuid5(ns.bytes, f'{prefix}/{key}')}"


def _uuid5(namespace: bytes, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``, without building UUID objects (ids are minted
    by the thousand in a batch)."""
    digest = bytearray(hashlib.sha1(namespace + name.encode("utf-8"), usedforsecurity=False).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest[:16].hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def assign_ids(node: N, *, key: str | None = None, namespace: uuid.UUID | str = ELMKIT_NAMESPACE) -> N:
    """Give every node in the tree that has no ``id`` one, in place; returns ``node``.

    With ``key``, ids are deterministic: derived from the key and each node's position in the
    tree, so the same tree built again gets the same ids. Shared nodes get one id.
    """
    for path, item in node.walk():
        if item.id is None:
            cls = type(item)
            item.id = stable_id(cls, f"{key}{path}", namespace=namespace) if key is not None else new_id(cls)
    return node
