"""ASN.1 types that asn1crypto does not define (QcStatements, ETSI EN 319 412-5)."""

from __future__ import annotations

from asn1crypto import cms, core, tsp

__all__ = ["QcStatement", "QcStatements", "QcTypes", "SemanticsInformation", "TimeStampResp"]


class QcTypes(core.SequenceOf):  # type: ignore[misc]
    _child_spec = core.ObjectIdentifier


class QcStatement(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("statement_id", core.ObjectIdentifier),
        ("statement_info", core.Any, {"optional": True}),
    ]


class QcStatements(core.SequenceOf):  # type: ignore[misc]
    _child_spec = QcStatement


class SemanticsInformation(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("semantics_identifier", core.ObjectIdentifier, {"optional": True}),
        ("name_registration_authorities", core.Any, {"optional": True}),
    ]


class TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161 ``TimeStampResp``; the token is optional (absent when the TSA refuses)."""

    _fields = [  # noqa: RUF012
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]
