"""The profile registry: registering, built-in names, entry points, third-party profiles."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator

import pytest

from elmkit.model.base import ElmNode
from elmkit.profiles import Finding, ProfileError, Stage, base, get_profile, register_profile
from elmkit.profiles.eu import EuMicroCredentialProfile


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """An empty registry, as in a new process before anything asked for a profile."""
    fresh: dict[str, object] = {}
    monkeypatch.setattr(base, "_registry", fresh)
    yield fresh


class Custom:
    """A third-party profile that finds nothing."""

    title = "a custom profile"

    def __init__(self, name: str) -> None:
        self.name = name

    def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
        return []


def test_a_built_in_name_is_taken_before_the_built_ins_were_asked_for(registry: dict[str, object]) -> None:
    with pytest.raises(ProfileError, match="eu-microcredential"):
        register_profile(Custom("eu-microcredential"))
    assert isinstance(get_profile("eu-microcredential"), EuMicroCredentialProfile)


def test_a_built_in_name_is_taken_after_the_built_ins_were_asked_for(registry: dict[str, object]) -> None:
    assert isinstance(get_profile("eu-microcredential"), EuMicroCredentialProfile)
    with pytest.raises(ProfileError, match="eu-microcredential"):
        register_profile(Custom("eu-microcredential"))


def test_a_built_in_replaced_on_purpose_stays_replaced(registry: dict[str, object]) -> None:
    mine = register_profile(Custom("eu-microcredential"), replace=True)
    assert get_profile("eu-microcredential") is mine
    assert "edc-ap" in base.available_profiles()
    assert get_profile("eu-microcredential") is mine


def test_a_built_in_name_is_refused_first_thing_in_a_new_process() -> None:
    code = textwrap.dedent(
        """
        from elmkit.profiles import ProfileError, get_profile, register_profile

        class Custom:
            name = "eu-microcredential"
            title = "mine"

            def check(self, credential, *, stage):
                return []

        try:
            register_profile(Custom())
        except ProfileError:
            print("refused")
        print(type(get_profile("eu-microcredential")).__name__)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["refused", "EuMicroCredentialProfile"]
