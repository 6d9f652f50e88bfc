"""The profiles that ship with elmkit."""

from __future__ import annotations

import functools


@functools.cache
def register_all() -> None:
    """Register the built-in profiles (once)."""
    from elmkit.profiles.base import Profile, register_profile
    from elmkit.profiles.edc import PROFILES as EDC_PROFILES
    from elmkit.profiles.es import PROFILES as ES_PROFILES
    from elmkit.profiles.eu import PROFILES as EU_PROFILES

    profiles: tuple[Profile, ...] = (*EDC_PROFILES, *EU_PROFILES, *ES_PROFILES)
    for profile in profiles:
        register_profile(profile, replace=True)
