"""Issuing micro-credentials from SIS data: definitions, results, eligibility, credentials."""

from elmkit.microcredentials.build import build_credential, credential_id, organisation
from elmkit.microcredentials.definition import (
    GradingInfo,
    MicroCredential,
    OrganisationInfo,
    OutcomeInfo,
    ProgrammeInfo,
    QualityAssuranceInfo,
    default_profiles,
    load_definition,
)
from elmkit.microcredentials.records import (
    Eligibility,
    LearnerResult,
    RowError,
    check_eligibility,
    read_results,
)

__all__ = [
    "Eligibility",
    "GradingInfo",
    "LearnerResult",
    "MicroCredential",
    "OrganisationInfo",
    "OutcomeInfo",
    "ProgrammeInfo",
    "QualityAssuranceInfo",
    "RowError",
    "build_credential",
    "check_eligibility",
    "credential_id",
    "default_profiles",
    "load_definition",
    "organisation",
    "read_results",
]
