"""The profiles that ship with elmkit."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elmkit.profiles.base import Profile


@functools.cache
def profiles() -> tuple[Profile, ...]:
    """The built-in profiles (one object each, imported once)."""
    from elmkit.profiles.edc import PROFILES as EDC_PROFILES
    from elmkit.profiles.es import PROFILES as ES_PROFILES
    from elmkit.profiles.eu import PROFILES as EU_PROFILES

    return (*EDC_PROFILES, *EU_PROFILES, *ES_PROFILES)
