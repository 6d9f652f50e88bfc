"""elmkit: the European Learning Model (ELM 3.2) and European Digital Credentials for Python.

The public surface is small and loads lazily::

    import elmkit
    credential = elmkit.load("credential.jsonld")
    report = elmkit.validate(credential, profiles=("edc-ap", "eu-microcredential"))
    text = elmkit.dumps(credential)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "load": "elmkit.serializers",
    "load_credential": "elmkit.serializers",
    "dumps": "elmkit.serializers",
    "to_graph": "elmkit.serializers",
    "from_graph": "elmkit.serializers",
    "validate": "elmkit.profiles",
    "Report": "elmkit.profiles",
    "Finding": "elmkit.profiles",
    "schema": "elmkit.model",
    "LangText": "elmkit.model",
    "seal": "elmkit.api",
    "verify": "elmkit.api",
    "open_ledger": "elmkit.ledger",
    "check_status": "elmkit.status",
    "load_elmv2": "elmkit.serializers.elmv2",
}

__all__ = [
    "Finding",
    "LangText",
    "Report",
    "__version__",
    "check_status",
    "dumps",
    "from_graph",
    "load",
    "load_credential",
    "load_elmv2",
    "open_ledger",
    "schema",
    "seal",
    "to_graph",
    "validate",
    "verify",
]

if TYPE_CHECKING:
    from elmkit.api import seal, verify
    from elmkit.ledger import open_ledger
    from elmkit.model import LangText, schema
    from elmkit.profiles import Finding, Report, validate
    from elmkit.serializers import dumps, from_graph, load, load_credential, to_graph
    from elmkit.serializers.elmv2 import load_elmv2
    from elmkit.status import check_status


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'elmkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
