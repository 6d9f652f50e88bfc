"""Validation profiles: the EDC application profile, the EU micro-credential minimum, Spain.

>>> report = elmkit.validate(credential, profiles=("edc-ap", "eu-microcredential"), stage="ready")
>>> report.ok, [f.message("es") for f in report.errors]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from elmkit.profiles.base import (
    ENTRY_POINT_GROUP,
    Finding,
    Profile,
    ProfileError,
    Report,
    Severity,
    SharedAware,
    Stage,
    _profiles,
    as_stage,
    available_profiles,
    get_profile,
    prepare_profiles,
    register_profile,
    run_profiles,
)

__all__ = [
    "DEFAULT_PROFILES",
    "ENTRY_POINT_GROUP",
    "Finding",
    "Profile",
    "ProfileError",
    "Report",
    "Severity",
    "SharedAware",
    "Stage",
    "available_profiles",
    "get_profile",
    "prepare_profiles",
    "register_profile",
    "validate",
]

DEFAULT_PROFILES = ("edc-ap", "eu-microcredential")


def validate(
    obj: Any,
    profiles: Sequence[str | Profile] = DEFAULT_PROFILES,
    stage: Stage | str = Stage.READY,
    *,
    lang: str = "en",
    shacl: Any = None,
) -> Report:
    """Check a credential against profiles and return a :class:`Report`.

    ``obj`` is a model object or anything :func:`elmkit.load` reads (path, bytes, str, dict).
    With ``shacl`` (a path or an rdflib graph of shapes; needs the ``shacl`` extra) pyshacl also
    runs and its results are added to the report. No profile at all (``profiles=()``) is a
    :class:`ProfileError`, unless ``shacl`` is given.
    """
    from elmkit.model.base import ElmNode
    from elmkit.model.text import normalize_tag

    chosen = as_stage(stage)
    names = _profiles(profiles)
    if not names and shacl is None:  # a report of no check at all would read "valid"
        raise ProfileError(
            f"no profile to check against: name at least one (by default {', '.join(DEFAULT_PROFILES)}) "
            "or give shapes as shacl"
        )
    normalize_tag(lang)
    credential = obj if isinstance(obj, ElmNode) else _load(obj)
    report = run_profiles(credential, names, stage=chosen, lang=lang)
    if shacl is not None:
        from elmkit.profiles.shacl import shacl_findings

        report.findings.extend(shacl_findings(credential, shacl))
        report.profiles = (*report.profiles, "shacl")
    return report


def _load(obj: Any) -> Any:
    from elmkit.serializers import load

    return load(obj)
