"""Issuing micro-credentials from SIS data: definitions, results, eligibility, credentials."""

from elmkit.microcredentials.batch import BatchResult, issue_batch
from elmkit.microcredentials.build import (
    CredentialFactory,
    build_credential,
    credential_id,
    organisation,
)
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
from elmkit.microcredentials.manifest import CredentialChange, ManifestRow, RowState
from elmkit.microcredentials.records import (
    Eligibility,
    LearnerResult,
    RowError,
    check_eligibility,
    iter_results,
    read_results,
)

__all__ = [
    "BatchResult",
    "CredentialChange",
    "CredentialFactory",
    "Eligibility",
    "GradingInfo",
    "LearnerResult",
    "ManifestRow",
    "MicroCredential",
    "OrganisationInfo",
    "OutcomeInfo",
    "ProgrammeInfo",
    "QualityAssuranceInfo",
    "RowError",
    "RowState",
    "build_credential",
    "check_eligibility",
    "credential_id",
    "default_profiles",
    "issue_batch",
    "iter_results",
    "load_definition",
    "organisation",
    "read_results",
]
