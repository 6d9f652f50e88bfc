"""Results of verification checks: each step is OK, ERROR or SKIPPED, with a problem detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["CheckResult", "CheckStatus", "Step"]


class CheckStatus(StrEnum):
    """Outcome of one verification step, as the Europass viewer shows it."""

    OK = "OK"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"


class Step(StrEnum):
    """The verification steps of an EDC credential."""

    FORMAT = "FORMAT"
    SEAL = "SEAL"
    QUALIFIED = "QUALIFIED"
    OWNER = "OWNER"
    VALIDITY = "VALIDITY"
    REVOCATION = "REVOCATION"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one step; ``code`` and ``detail`` explain an ERROR or SKIPPED result."""

    step: Step
    status: CheckStatus
    reason: str = ""
    code: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is CheckStatus.OK

    def to_problem(self) -> dict[str, Any]:
        """An RFC 9457-style problem object for this result."""
        problem: dict[str, Any] = {
            "type": f"urn:elmkit:problem:{self.step.value.lower()}:{self.code or self.status.value.lower()}",
            "title": f"{self.step.value}: {self.status.value}",
            "status": self.status.value,
            "detail": self.reason,
        }
        if self.detail:
            problem["extensions"] = dict(self.detail)
        return problem
