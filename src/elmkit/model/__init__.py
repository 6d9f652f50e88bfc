"""The typed ELM 3.2 model: every class of the EDC application profile as a pydantic class.

>>> from elmkit.model import Person, LangText
>>> Person(given_name=LangText("Ana", lang="es")).given_name.get("es")
'Ana'
"""

from elmkit.model.base import ElmNode
from elmkit.model.classes import *  # noqa: F403
from elmkit.model.classes import ALL_CLASSES, EXTRA_TERMS
from elmkit.model.classes import __all__ as _class_names
from elmkit.model.datatypes import (
    AnyUri,
    Date,
    DateTime,
    Duration,
    Iri,
    XsdBoolean,
    XsdDecimal,
    XsdInteger,
    XsdNonNegativeInteger,
    XsdPositiveInteger,
)
from elmkit.model.ids import assign_ids, new_id, stable_id
from elmkit.model.schema import ClassInfo, ModelSchema, PropertyInfo, schema
from elmkit.model.text import NO_LANGUAGE, LangText, set_default_language, set_fallbacks

__all__ = [
    "ALL_CLASSES",
    "EXTRA_TERMS",
    "AnyUri",
    "ClassInfo",
    "Date",
    "DateTime",
    "Duration",
    "ElmNode",
    "Iri",
    "NO_LANGUAGE",
    "LangText",
    "ModelSchema",
    "PropertyInfo",
    "XsdBoolean",
    "XsdDecimal",
    "XsdInteger",
    "XsdNonNegativeInteger",
    "XsdPositiveInteger",
    "assign_ids",
    "class_for",
    "new_id",
    "schema",
    "set_default_language",
    "set_fallbacks",
    "stable_id",
    *_class_names,
]


def class_for(type_value: str | list[str]) -> type[ElmNode]:
    """The model class named by a JSON-LD ``type`` value (the most specific one)."""
    from elmkit.errors import ModelError

    names = [type_value] if isinstance(type_value, str) else list(type_value)
    by_term = {c.class_term: c for c in ALL_CLASSES}
    by_term.update({c.class_iri: c for c in ALL_CLASSES})
    for name in reversed(names):
        if name in by_term:
            return by_term[name]
    raise ModelError(f"no ELM class for type {type_value!r}")
