"""Issuing a batch: one valid credential per eligible learner, files, manifest, bundle and ledger.

:func:`issue_batch` reads the results as a stream, checks each learner's eligibility, builds the
credential (deterministic ids), validates it with the chosen profiles and writes its JSON-LD file
and its Europass upload file. Every input row gets a line in the manifest. Running the same batch
again produces the same files, byte for byte, and never a second credential for a learner.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from elmkit.errors import ElmError, LanguageTagError, SourceError
from elmkit.microcredentials.build import credential_id
from elmkit.microcredentials.definition import (
    MicroCredential,
    default_profiles,
    is_email_address,
    load_definition,
    reading_stored,
)
from elmkit.microcredentials.files import (
    StagedFiles,
    ZipBundle,
    remove_stale_temp_files,
    safe_name,
)
from elmkit.microcredentials.manifest import (
    CredentialChange,
    ManifestRow,
    ManifestWriter,
    RowState,
)
from elmkit.microcredentials.records import (
    LearnerResult,
    RowError,
    _row_place,
    check_eligibility,
    iter_results,
)
from elmkit.model.text import normalize_tag
from elmkit.profiles.base import ENTRY_POINT_GROUP, ProfileError

if TYPE_CHECKING:
    from elmkit.ledger import Event, LedgerStore
    from elmkit.ledger.sqlite import NewCredential
    from elmkit.render import PageData

__all__ = [
    "CREDENTIALS_DIR",
    "UPLOAD_DIR",
    "BatchResult",
    "count_rows",
    "delivery_details",
    "file_stem",
    "issue_batch",
    "page_data",
    "pages_available",
    "upload_bytes",
    "upload_text",
]

#: Folder (inside the output folder) of the JSON-LD credentials.
CREDENTIALS_DIR = "credentials"
#: Folder of the Europass upload files (``{"credential": …, "deliveryDetails": …}``).
UPLOAD_DIR = "europass"
#: Folder the files of a credential revoked or suspended since it was written are moved to (by
#: the next run), out of the folders that are delivered; kept in the same layout. So is the seal
#: of a credential a run regenerates, which holds the document before the change.
WITHDRAWN_DIR = "withdrawn"
#: How many non-issued rows :class:`BatchResult` keeps for display (the manifest has them all).
MAX_PROBLEMS = 500

ResultSource = str | Path | Iterable[Mapping[str, Any] | LearnerResult]
Progress = Callable[[ManifestRow], None]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch did: counts per state, where the files are, and the rows that need attention."""

    out_dir: Path
    definition_id: str
    profiles: tuple[str, ...]
    counts: Mapping[RowState, int]
    manifest_csv: Path
    manifest_json: Path
    bundle: Path | None
    ledger: str | None
    problems: tuple[ManifestRow, ...]
    """Rows that were not issued (the first :data:`MAX_PROBLEMS`), in input order."""
    images: bool
    seconds: float
    warnings: tuple[str, ...] = ()
    """What the whole batch should know: texts of the definition the display pages cannot
    draw as written, what of the results file is not read (columns, other sheets), and sealed
    files of regenerated credentials that could not be moved out of ``sealed/``."""
    changes: Mapping[CredentialChange, int] = field(default_factory=dict)
    """How many credentials this run wrote first, regenerated, left unchanged, withdrew… (see
    :attr:`ManifestRow.change`)."""
    superseded_seals: tuple[str, ...] = ()
    """Sealed files (relative to :attr:`out_dir`) of credentials this run regenerated: they held
    the document before the change, so they were moved to :data:`WITHDRAWN_DIR`; seal again."""

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def issued(self) -> int:
        return self.counts.get(RowState.ISSUED, 0)

    @property
    def invalid(self) -> int:
        return self.counts.get(RowState.INVALID, 0)

    @property
    def not_eligible(self) -> int:
        return self.counts.get(RowState.NOT_ELIGIBLE, 0)

    @property
    def malformed(self) -> int:
        return self.counts.get(RowState.MALFORMED, 0)

    @property
    def ok(self) -> bool:
        """True when every eligible learner got a valid credential, every row could be read and
        no learner appears twice with different results."""
        bad = (RowState.INVALID, RowState.ERROR, RowState.MALFORMED, RowState.CONFLICT)
        return not any(self.counts.get(state, 0) for state in bad)

    @property
    def exit_code(self) -> int:
        """0 when :attr:`ok`, else 1."""
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        """The batch as JSON values: where its files are, the count of every row state (as the
        manifest's ``summary``) and of every change, and its warnings; not its rows."""
        return {
            "definition": self.definition_id,
            "out": str(self.out_dir),
            "ledger": self.ledger,
            "manifest": {"json": str(self.manifest_json), "csv": str(self.manifest_csv)},
            "bundle": None if self.bundle is None else str(self.bundle),
            "profiles": list(self.profiles),
            "images": self.images,
            "seconds": round(self.seconds, 3),
            "counts": {state.value: self.counts.get(state, 0) for state in RowState},
            "changes": {change.value: self.changes.get(change, 0) for change in CredentialChange},
            "warnings": list(self.warnings),
            "superseded_seals": list(self.superseded_seals),
        }


def _difference(first: LearnerResult, later: LearnerResult) -> str:
    """What differs between two rows of one learner, as ``field first → later``."""
    before, after = first.model_dump(), later.model_dump()
    changed = [name for name in before if before[name] != after[name]]
    return ", ".join(f"{name} {before[name]!r} there, {after[name]!r} here" for name in changed[:3])


_RACED = (
    "another run issued this credential at the same time, with another validity date: run "
    "again to write the credential the ledger holds"
)


# -- building (runs in the parent or in worker processes) ----------------------------------------


@dataclass(frozen=True, slots=True)
class _Config:
    definition: MicroCredential
    profiles: tuple[str, ...]
    stage: str
    images: bool
    lang: str


@dataclass(frozen=True, slots=True)
class _Job:
    row: int
    learner: LearnerResult
    valid_from: datetime


@dataclass(frozen=True, slots=True)
class _Built:
    row: int
    ok: bool
    findings: tuple[dict[str, str], ...] = ()
    document: bytes = b""
    upload: bytes = b""
    error: str = ""


def delivery_details(definition: MicroCredential, learner: LearnerResult) -> dict[str, Any]:
    """The ``deliveryDetails`` of a Europass upload file: the learner's wallet (``walletAddress``)
    when known, the delivery addresses (``mailto:`` e-mail, wallet URL) and the languages the
    credential is displayed in.

    Each address is given once (a wallet that is the learner's e-mail address is one address);
    a wallet that is neither a web address nor an e-mail address (a DID, an account number) is
    no delivery address, only the ``walletAddress``."""
    details: dict[str, Any] = {}
    if learner.wallet:
        details["walletAddress"] = learner.wallet
    addresses: list[str] = []
    seen: set[str] = set()
    for given in (learner.wallet, learner.email):
        address = _delivery_address(given) if given else None
        if address is not None and address.casefold() not in seen:
            seen.add(address.casefold())
            addresses.append(address)
    if addresses:
        details["deliveryAddress"] = addresses
    details["displayLanguages"] = list(definition.languages)
    return details


def _delivery_address(value: str) -> str | None:
    """``value`` as a delivery address: a web address as it is, an e-mail address (with or
    without ``mailto:``) as a ``mailto:`` address; None for anything else."""
    text = value.strip()
    if text[:6].lower() == "https:" or text[:5].lower() == "http:":
        return text
    if text[:7].lower() == "mailto:":
        text = text[7:].strip()
    return f"mailto:{text}" if is_email_address(text) else None


#: What a finding about the missing display pages gets added, in the languages of findings.
_NO_PAGES_NOTES = {
    "en": (
        "Issued without display pages: Europass adds a default display when the upload file is "
        "uploaded; render pages (images=True) before sealing the JSON-LD file yourself."
    ),
    "es": (
        "Emitida sin páginas de presentación: Europass añade una presentación por defecto al "
        "subir el archivo; genere las páginas (images=True) antes de sellar usted mismo el "
        "archivo JSON-LD."
    ),
}


def _no_pages_note(finding: Any, lang: str) -> str:
    """The note in the language ``finding``'s message is given in for ``lang``."""
    shown = finding.message(lang)
    given = next((tag for tag, text in finding.messages.items() if text == shown), "en")
    return _NO_PAGES_NOTES.get(given.split("-")[0].lower(), _NO_PAGES_NOTES["en"])


def _display_added_by_europass(finding: Any) -> bool:
    """The one rule a credential made for Europass upload may break: no display page yet."""
    return bool(
        str(finding.path).startswith("/displayParameter/individualDisplay")
        and str(finding.code).endswith("minCount")
    )


def _page_note(code: str, message: str) -> dict[str, str]:
    return {"code": code, "severity": "warning", "path": "/displayParameter", "message": message}


def _right_to_left(text: str) -> bool:
    import unicodedata

    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _page_text(value: Any, lang: str) -> str:
    """The text of a definition field that the page of ``lang`` draws."""
    return str(value.get(lang) or "") if value is not None else ""


def page_data(
    definition: MicroCredential,
    learner: LearnerResult,
    when: datetime,
    credential_id: str,
    lang: str,
    logo: bytes | None = None,
) -> PageData:
    """What the display page of ``lang`` shows of a learner's credential."""
    from elmkit.render import PageData

    d = definition
    return PageData(
        title=_page_text(d.title, lang),
        learner_name=learner.full_name,
        awarding_body=_page_text(d.awarding_body.legal_name, lang),
        issue_date=when.date(),
        credential_id=credential_id,
        logo=logo,
        ects=float(d.ects) if d.ects is not None else None,
        workload_hours=d.hours,
        eqf_level=d.eqf_level,
        learning_outcomes=[_page_text(o.title, lang) for o in d.learning_outcomes],
        description=_page_text(d.description, lang) or None,
        part_of=_page_text(d.part_of.title, lang) if d.part_of is not None else None,
    )


def definition_page_warnings(definition: MicroCredential) -> tuple[str, ...]:
    """Texts of the definition that the display pages cannot draw as written: characters no
    font has (drawn as boxes), or right-to-left scripts (drawn left to right, unjoined). One
    warning per field and language, for the whole batch."""
    from elmkit.render import missing_characters

    d = definition
    warnings: list[str] = []
    for lang in d.languages:
        fields: list[tuple[str, str]] = [
            ("title", _page_text(d.title, lang)),
            ("awarding body", _page_text(d.awarding_body.legal_name, lang)),
            ("description", _page_text(d.description, lang)),
            ("programme", _page_text(d.part_of.title if d.part_of else None, lang)),
        ]
        fields += [
            (f"learning outcome {number}", _page_text(outcome.title, lang))
            for number, outcome in enumerate(d.learning_outcomes, start=1)
        ]
        for name, text in fields:
            missing = missing_characters(text)
            if missing:
                shown = "".join(sorted(missing)[:10])
                warnings.append(
                    f"the {lang} display page cannot draw {shown!r} of the {name} (no font has "
                    "them): they show as boxes"
                )
            elif _right_to_left(text):
                warnings.append(
                    f"the {name} on the {lang} display page is in a right-to-left script, drawn "
                    "left to right and unjoined"
                )
    return tuple(warnings)


def _finding(finding: Any, lang: str) -> dict[str, str]:
    return {
        "code": str(finding.code),
        "severity": str(finding.severity.value),
        "path": str(finding.path or ""),
        "message": str(finding.message(lang)),
    }


class _Builder:
    """Builds, validates and serialises one credential; one per process."""

    def __init__(self, config: _Config) -> None:
        from elmkit.microcredentials.build import CredentialFactory

        self.config = config
        self.definition = config.definition
        from elmkit.profiles import prepare_profiles
        from elmkit.serializers.jsonld import SharedNodes

        self.factory = CredentialFactory(config.definition)
        # The factory hands every credential the same organisation, specification… objects and
        # never changes them, so their JSON text is written once per batch.
        shared = self.factory.shared_nodes()
        self.shared = SharedNodes(shared)
        # ... and the profiles read and check them once per batch
        self.profiles = prepare_profiles(config.profiles, shared)
        self._logo: bytes | None = None
        logo = self.definition.awarding_body.logo
        if config.images and logo is not None:
            try:
                self._logo = logo.read_bytes()
            except OSError as exc:
                raise SourceError(f"logo cannot be read: {exc}", file=str(logo)) from exc

    def pages(self, learner: LearnerResult, when: datetime, cid: str) -> dict[str, bytes]:
        """One display page (JPEG) per language of the definition."""
        from elmkit.render import render_page

        return {
            lang: render_page(
                page_data(self.definition, learner, when, cid, lang, self._logo), language=lang
            )
            for lang in self.definition.languages
        }

    def page_notes(self, learner: LearnerResult) -> list[dict[str, str]]:
        """Warnings about how a learner's name is drawn on the pages: characters no font has
        (drawn as boxes), or a right-to-left script (drawn left to right)."""
        from elmkit.render import missing_characters

        name = learner.full_name
        notes: list[dict[str, str]] = []
        missing = missing_characters(name)
        if missing:
            shown = "".join(sorted(missing)[:10])
            notes.append(
                _page_note(
                    "render/missing-characters",
                    f"the display pages cannot draw {shown!r} of the learner's name (no font "
                    "has them): they show as boxes",
                )
            )
        if _right_to_left(name):
            notes.append(
                _page_note(
                    "render/right-to-left",
                    "the learner's name is in a right-to-left script, which the display pages "
                    "draw left to right and unjoined (pages are laid out without text shaping, "
                    "so that they are the same bytes on every machine)",
                )
            )
        return notes

    def build(self, job: _Job) -> _Built:
        from elmkit.profiles import Severity, validate
        from elmkit.serializers.jsonld import node_to_json

        config = self.config
        learner = job.learner
        try:
            images = (
                self.pages(
                    learner, job.valid_from, credential_id(self.definition, learner.learner_id)
                )
                if config.images
                else None
            )
            credential = self.factory.build(
                learner, valid_from=job.valid_from, display_images=images
            )
        except SourceError:
            raise
        except ElmError as exc:  # the first problem, with its path (not a heading line)
            where = f" (at {exc.path})" if exc.path else ""
            return _Built(job.row, False, error=exc.message.splitlines()[0] + where)
        except ValidationError as exc:
            return _Built(job.row, False, error=str(exc).splitlines()[0])
        report = validate(
            credential, profiles=self.profiles, stage=config.stage, lang=config.lang
        )
        findings: list[dict[str, str]] = self.page_notes(learner) if config.images else []
        seen: set[tuple[str, str]] = set()
        ok = True
        for f in report.findings:
            if f.severity is Severity.INFO or (f.code, f.path) in seen:
                continue
            seen.add((f.code, f.path))
            entry = _finding(f, config.lang)
            if f.severity is Severity.ERROR:
                if not config.images and _display_added_by_europass(f):
                    entry["severity"] = Severity.WARNING.value
                    entry["message"] += " " + _no_pages_note(f, config.lang)
                else:
                    ok = False
            findings.append(entry)
        if not ok:
            return _Built(job.row, False, tuple(findings))
        document = node_to_json(credential, shared=self.shared).encode("utf-8")
        upload = upload_bytes(document, delivery_details(self.definition, learner))
        return _Built(job.row, True, tuple(findings), document, upload)


def upload_text(document: str, details: Mapping[str, Any]) -> str:
    """The Europass upload file for a compact JSON-LD ``document``: the same text as
    ``dumps(credential, wrapper=True, delivery_details=details)``, without serialising twice."""
    tail = json.dumps(dict(details), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return '{"credential":' + document + ',"deliveryDetails":' + tail + "}"


def upload_bytes(document: bytes, details: Mapping[str, Any]) -> bytes:
    """:func:`upload_text` for a UTF-8 encoded ``document``, returned encoded."""
    tail = json.dumps(dict(details), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return b'{"credential":' + document + b',"deliveryDetails":' + tail.encode("utf-8") + b"}"


_SEND_ADVICE = (
    "make it picklable (an object of a class defined at module level in an importable module), "
    f"publish it as an entry point in the {ENTRY_POINT_GROUP!r} group, or use workers=1"
)

_worker: _Builder | None = None
#: Why this worker process could not start (the pool initializer must not raise: the pool would
#: only say that a process ended); raised by every chunk it is given.
_worker_error: tuple[bool, str] | None = None


def _init_worker(config: _Config, sent: tuple[tuple[str, bytes], ...] = ()) -> None:
    global _worker, _worker_error
    try:
        _receive_profiles(sent)
        _worker = _Builder(config)
    except ProfileError as exc:
        _worker_error = (True, f"a worker process could not start: {exc}")
    except Exception as exc:  # anything else: said in the parent, not a broken pool
        _worker_error = (False, f"a worker process could not start: {type(exc).__name__}: {exc}")


def _receive_profiles(sent: tuple[tuple[str, bytes], ...]) -> None:
    """Register the profiles the parent registered at run time, which a new process lacks."""
    if not sent:
        return
    from elmkit.profiles import available_profiles, register_profile

    available_profiles()  # the built-in profiles first, so that they do not replace these later
    for name, data in sent:
        try:
            profile = pickle.loads(data)
        except Exception as exc:
            raise ProfileError(
                f"profile {name!r}, registered at run time, cannot be unpickled there "
                f"({type(exc).__name__}: {exc}): {_SEND_ADVICE}"
            ) from exc
        register_profile(profile, replace=True)


def _build_chunk(jobs: Sequence[_Job]) -> list[_Built]:
    if _worker_error is not None:
        is_profile, message = _worker_error
        raise ProfileError(message) if is_profile else SourceError(message)
    if _worker is None:  # pragma: no cover - the pool initializer always runs first
        raise RuntimeError("worker not initialised")
    return [_worker.build(job) for job in jobs]


def _builtin_profile(profile: object) -> bool:
    """Whether ``profile`` is one of the profiles elmkit ships (every process has them)."""
    from elmkit.profiles.builtin import profiles

    return any(profile is shipped for shipped in profiles())


def _profiles_for_workers(names: Sequence[str], start_method: str) -> tuple[tuple[str, bytes], ...]:
    """The profiles of ``names`` that a worker process started by ``start_method`` would not find
    by name, pickled for it: those registered at run time in this process (a forked worker has
    them already). :class:`ProfileError` for one that cannot be pickled, before anything is
    issued."""
    if start_method == "fork":
        return ()
    from elmkit.profiles import get_profile
    from elmkit.profiles.base import given_by_entry_point

    sent: list[tuple[str, bytes]] = []
    for name in dict.fromkeys(names):
        profile = get_profile(name)
        if _builtin_profile(profile) or given_by_entry_point(profile):
            continue
        try:
            data = pickle.dumps(profile)
        except Exception as exc:  # pickling fails as the object's members decide
            raise ProfileError(
                f"profile {name!r} was registered in this process and cannot be sent to the "
                f"worker processes ({start_method!r} start method) because it cannot be pickled "
                f"({type(exc).__name__}: {exc}): {_SEND_ADVICE}"
            ) from None
        sent.append((name, data))
    return tuple(sent)


# -- the batch (parent process) ------------------------------------------------------------------


def file_stem(definition: MicroCredential, learner_id: str) -> str:
    """The stable file name (without extension) of a learner's credential."""
    cid = credential_id(definition, learner_id)
    return f"{safe_name(learner_id)}-{cid.rsplit(':', 1)[-1][:8]}"


def pages_available() -> bool:
    """Whether display pages can be rendered here (Pillow is installed)."""
    import importlib.util

    return importlib.util.find_spec("PIL") is not None


def count_rows(source: str | Path) -> int | None:
    """How many rows of a results file give a manifest line (for progress bars), as reading
    finds them (a workbook's, of the sheet results are read from, to its last); None if
    unknown. A batch gives the same number to ``on_total`` without reading twice."""
    totals: list[int] = []
    try:
        next(iter_results(Path(source), on_total=totals.append), None)
    except Exception:
        return None
    return totals[0] if totals else None


@dataclass(slots=True)
class _Slot:
    """One input row waiting for its manifest line (in input order)."""

    row: int
    done: ManifestRow | None = None
    learner: LearnerResult | None = None
    credential_id: str = ""
    stem: str = ""
    valid_from: datetime | None = None
    claimed: bool = False
    exported_sha: str | None = None
    change: CredentialChange | None = None


@dataclass(slots=True)
class _State:
    counts: dict[RowState, int] = field(default_factory=lambda: {state: 0 for state in RowState})
    changes: dict[CredentialChange, int] = field(
        default_factory=lambda: {change: 0 for change in CredentialChange}
    )
    problems: list[ManifestRow] = field(default_factory=list)
    superseded_seals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What the run found that the whole batch should know (a seal it could not move)."""


def _definition_document(definition: MicroCredential) -> dict[str, Any]:
    """The definition as stored in the ledger: logos by content digest, not by path."""
    from elmkit.microcredentials.files import sha256_file

    document: dict[str, Any] = definition.model_dump(mode="json", exclude_none=True)
    for key, org in (("awarding_body", definition.awarding_body), ("issuer", definition.issuer)):
        if org is not None and org.logo is not None and key in document:
            try:
                document[key]["logo"] = {"sha256": sha256_file(org.logo)}
            except OSError as exc:
                raise SourceError(f"logo cannot be read: {exc}", file=str(org.logo)) from exc
    document[_DOCUMENT_FORM] = _CURRENT_FORM
    return document


#: The member of a stored definition that says which form elmkit stored it in: documents
#: without it were stored before the defaults of :data:`_FORMER_DEFAULTS` changed.
_DOCUMENT_FORM = "elmkit_stored_form"
_CURRENT_FORM = 2


#: Values earlier versions of elmkit stored in a definition for a field its file left unset,
#: by section (``None``: the top level) and field; read as unset only in documents of that time
#: (without :data:`_DOCUMENT_FORM`), since they mean something now.
_FORMER_DEFAULTS: dict[tuple[str | None, str], tuple[Any, ...]] = {
    ("grading", "title"): ({"en": "Grading scale 0-10"},),
    (None, "stackable"): (True,),
}


def _as_meant(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a stored definition says, as this version reads it: without the values that only
    restate a default (this version's, or one an earlier version stored for an unset field), so
    that a definition file left unchanged is the same definition after an upgrade. ``None`` when
    this version cannot read the document."""
    fields = copy.deepcopy(dict(document))
    for (section, name), values in _FORMER_DEFAULTS.items() if _DOCUMENT_FORM not in fields else ():
        holder = fields if section is None else fields.get(section)
        if isinstance(holder, dict) and holder.get(name) in values:
            del holder[name]
    logos = {
        key: fields[key].get("logo")
        for key in ("awarding_body", "issuer")
        if isinstance(fields.get(key), dict)
    }
    try:
        definition = definition_from_document(fields)
    except (ValidationError, ElmError):
        return None
    meant = definition.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
    # what it is, given or by default (a default that changed changes what it is)
    meant["learning_setting"] = definition.resolved_learning_setting
    return {"definition": meant, "logos": logos}


def definition_from_document(document: Mapping[str, Any]) -> MicroCredential:
    """The definition a ledger keeps (see :func:`_definition_document`), without its logos: they
    are kept by content digest, and the file they came from may be gone."""
    fields = dict(document)
    fields.pop(_DOCUMENT_FORM, None)
    for key in ("awarding_body", "issuer"):
        if isinstance(fields.get(key), Mapping):
            fields[key] = {name: value for name, value in fields[key].items() if name != "logo"}
    with reading_stored():  # accepted when stored: newer checks of languages and texts aside
        return MicroCredential.model_validate(fields)


class _Batch:
    def __init__(
        self,
        definition: MicroCredential,
        out_dir: Path,
        *,
        config: _Config,
        ledger: LedgerStore | None,
        actor: str,
        valid_from: datetime | None,
        progress: Progress | None,
        durable: bool,
        sheet: str | None = None,
    ) -> None:
        self.definition = definition
        self.out = out_dir
        self._out_text = os.fspath(out_dir)
        self._resolved_out: str | None = None
        self.config = config
        self.ledger = ledger
        self.actor = actor
        self.fixed_valid_from = valid_from
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.progress = progress
        self.durable = durable
        self.sheet = sheet
        """The worksheet a workbook's results are read from (None for other sources): the
        reasons of rows to correct there name it."""
        self.state = _State()
        self.seen: dict[str, tuple[int, LearnerResult]] = {}
        """The first row of each learner: its number and what it holds."""
        self.folded: dict[str, tuple[int, str]] = {}
        """The first row and id of each learner id with its case folded."""
        self._ledger_learners: dict[str, str] | None = None
        """The learner ids the ledger holds credentials of this definition for, by folded case."""
        self.manifest: ManifestWriter | None = None
        #: the ZIP bundle, filled as credentials are published
        self.bundle: ZipBundle | None = None

    # reading and sorting the rows

    def slots(self, items: Iterator[tuple[int, LearnerResult | RowError]]) -> Iterator[_Slot]:
        for number, item in items:
            if isinstance(item, RowError):
                yield _Slot(
                    number,
                    ManifestRow(
                        number,
                        RowState.MALFORMED,
                        learner_id=item.learner_id or "",
                        reasons=(item.message,),
                    ),
                )
                continue
            learner = item
            first = self.seen.get(learner.learner_id)
            if first is not None:
                same = first[1] == learner
                yield self._to_correct(
                    number,
                    learner,
                    RowState.DUPLICATE if same else RowState.CONFLICT,
                    (
                        f"the same learner appears in row {first[0]}"
                        + ("" if same else f" with another result ({_difference(first[1], learner)});"
                           f" row {first[0]} was used: check which is right"),
                    ),
                )
                continue
            self.seen[learner.learner_id] = (number, learner)
            twin = self.folded.setdefault(learner.learner_id.casefold(), (number, learner.learner_id))
            if twin[1] != learner.learner_id:
                yield self._to_correct(
                    number,
                    learner,
                    RowState.CONFLICT,
                    (
                        f"row {twin[0]} has the learner id {twin[1]!r}, the same but for "
                        "upper and lower case: the same learner? Write one id for both",
                    ),
                )
                continue
            eligibility = check_eligibility(self.definition, learner)
            if eligibility.malformed:
                yield self._to_correct(number, learner, RowState.MALFORMED, eligibility.reasons)
                continue
            if not eligibility.eligible:
                earlier = self._issued_before(learner.learner_id)
                if eligibility.conflict or earlier:
                    yield self._to_correct(
                        number,
                        learner,
                        RowState.CONFLICT,
                        (*eligibility.reasons, *earlier),
                        credential_id(self.definition, learner.learner_id) if earlier else "",
                    )
                else:
                    yield _not_issued(number, learner, RowState.NOT_ELIGIBLE, eligibility.reasons)
                continue
            recorded = self._recorded_as(learner.learner_id)
            if recorded is not None and recorded != learner.learner_id:
                yield self._to_correct(
                    number,
                    learner,
                    RowState.CONFLICT,
                    (
                        f"an earlier run issued this definition to the learner id {recorded!r},"
                        " the same but for upper and lower case: the same learner? Write the"
                        " id as before, or revoke that credential if it is another learner's",
                    ),
                    credential_id(self.definition, recorded),
                )
                continue
            cid = credential_id(self.definition, learner.learner_id)
            yield _Slot(
                number,
                learner=learner,
                credential_id=cid,
                stem=file_stem(self.definition, learner.learner_id),
            )

    def _to_correct(
        self,
        number: int,
        learner: LearnerResult,
        state: RowState,
        reasons: Sequence[str],
        credential: str = "",
    ) -> _Slot:
        """The slot of a row someone must correct (malformed, duplicate, conflict): read from a
        workbook, its first reason starts with where the row is (``sheet 'Actas', row 7: …``),
        as a row that cannot be read does."""
        if self.sheet is not None and reasons:
            reasons = (f"{_row_place(number, self.sheet)}: {reasons[0]}", *reasons[1:])
        return _not_issued(number, learner, state, reasons, credential)

    def _recorded_as(self, learner_id: str) -> str | None:
        """The learner id the ledger holds a credential of this definition for that is
        ``learner_id`` but for case (an SIS export may change the case of a DNI's letter),
        or None. The ledger is read once per batch."""
        if self.ledger is None:
            return None
        if self._ledger_learners is None:
            self._ledger_learners = {}
            for record in self.ledger.credentials(definition_id=self.definition.id):
                self._ledger_learners.setdefault(record.learner_id.casefold(), record.learner_id)
        return self._ledger_learners.get(learner_id.casefold())

    def _issued_before(self, learner_id: str) -> tuple[str, ...]:
        """Why a learner who is not eligible now still matters: the ledger holds a credential
        an earlier run issued to them (and nobody revoked)."""
        if self.ledger is None:
            return ()
        record = self.ledger.get_credential(credential_id(self.definition, learner_id))
        if record is None or record.state.value in ("revoked", "defined"):
            return ()
        return (
            f"but an earlier run issued this credential (now {record.state.value} in the "
            "ledger): revoke it if it should not exist, or correct the results",
        )

    def prepare(self, slot: _Slot) -> _Job | None:
        """Decide the credential's validity date from the ledger; None when it must be skipped."""
        assert slot.learner is not None
        when = self.fixed_valid_from or self.now
        if self.ledger is not None:
            existing = self.ledger.get_credential(slot.credential_id)
            if existing is not None:
                from elmkit.ledger.model import WITHDRAWN_STATES

                slot.claimed = True
                if existing.state in WITHDRAWN_STATES:
                    moved, said = self._withdraw(slot.stem)
                    slot.done = self._row(
                        slot,
                        RowState.SKIPPED,
                        reasons=(f"the credential is {existing.state.value} in the ledger", *said),
                        change=CredentialChange.WITHDRAWN if moved else None,
                    )
                    return None
                stored, slot.exported_sha = self._recorded(slot.credential_id)
                if stored:  # a credential issued before keeps its date, valid_from or not
                    when = datetime.fromisoformat(stored)
        slot.valid_from = when
        return _Job(slot.row, slot.learner, when)

    def _withdraw(self, stem: str) -> tuple[list[str], list[str]]:
        """Move a credential's files out of the delivered folders, into :data:`WITHDRAWN_DIR`
        (an unsuspended credential is written again by the run after): the files moved, and
        what was done, to say."""
        from elmkit.microcredentials.sealing import SEALED_DIR

        moved: list[str] = []
        said: list[str] = []
        for name in (
            f"{CREDENTIALS_DIR}/{stem}.jsonld",
            f"{UPLOAD_DIR}/{stem}.json",
            f"{SEALED_DIR}/{stem}.json",
        ):
            try:
                if self._move_to_withdrawn(name):
                    moved.append(name)
            except OSError as exc:
                said.append(f"{name} could not be moved ({exc.strerror or exc}): do not deliver it")
        if moved:
            said.insert(0, f"moved to {WITHDRAWN_DIR}/, not to be delivered: {', '.join(moved)}")
        return moved, said

    def _move_to_withdrawn(self, name: str) -> bool:
        """Move the output file ``name`` (relative to the output folder) to the same place under
        :data:`WITHDRAWN_DIR`; False when there is none, or another run moved it meanwhile.

        A different file withdrawn there before (the seal of a first correction, when a second
        one comes) is kept beside it, named by its digest: ``<stem>.<sha256[:16]><suffix>``."""
        from elmkit.microcredentials.files import move_file, sha256_file

        source = self.out / name
        if not source.is_file():
            return False
        target = self.out / WITHDRAWN_DIR / name
        if target.is_file():
            earlier = sha256_file(target)
            if earlier != sha256_file(source):
                kept = target.with_name(f"{target.stem}.{earlier[:16]}{target.suffix}")
                move_file(target, kept, durable=self.durable)
        return move_file(source, target, durable=self.durable)

    def _withdraw_superseded_seal(self, stem: str) -> tuple[str, ...]:
        """Move the sealed file of a credential this run regenerated into :data:`WITHDRAWN_DIR`:
        it seals the document before the change. What was done, to say."""
        from elmkit.microcredentials.sealing import SEALED_DIR

        name = f"{SEALED_DIR}/{stem}.json"
        try:
            if not self._move_to_withdrawn(name):
                return ()
        except OSError as exc:
            said = (
                f"{name} seals the credential before this change and could not be moved "
                f"({exc.strerror or exc}): do not deliver it; seal again"
            )
            self.state.warnings.append(said)  # an issued row's reasons are not shown
            return (said,)
        self.state.superseded_seals.append(name)
        return (
            f"{name} sealed the credential before this change: moved to {WITHDRAWN_DIR}/, not "
            "to be delivered; seal again (a status-list index it carries is set for good, so "
            "that it shows as revoked once its list is published again)",
        )

    def _restore_seal(self, slot: _Slot) -> None:
        """Put back the sealed file an earlier run withdrew, once the credential is delivered
        again (its suspension lifted) and the ledger still holds that seal as its own."""
        from elmkit.ledger.model import SEALED_STATES
        from elmkit.microcredentials.files import move_file, sha256_file
        from elmkit.microcredentials.sealing import SEALED_DIR

        name = f"{SEALED_DIR}/{slot.stem}.json"
        withdrawn, target = self.out / WITHDRAWN_DIR / name, self.out / name
        ledger = self.ledger
        if ledger is None or not withdrawn.is_file() or target.exists():
            return
        digest = sha256_file(withdrawn)
        with ledger.transaction():  # no suspension or revocation between the check and the move
            record = ledger.get_credential(slot.credential_id)
            if record is None or record.state not in SEALED_STATES:
                return  # withdrawn again, or regenerated since: it is to be sealed again
            seals = [e.sha256 for e in ledger.history(slot.credential_id) if e.event.value == "sealed"]
            if not seals or seals[-1] != digest:
                return
            move_file(withdrawn, target, durable=self.durable)  # unless another run did

    def _row(self, slot: _Slot, state: RowState, **extra: Any) -> ManifestRow:
        learner = slot.learner
        assert learner is not None
        return ManifestRow(
            slot.row,
            state,
            learner_id=learner.learner_id,
            name=learner.full_name,
            email=learner.email or "",
            credential_id=slot.credential_id,
            **extra,
        )

    # writing the results of one chunk

    def finish(self, slots: Sequence[_Slot], built: Sequence[_Built]) -> None:
        from elmkit.ledger import sha256_hex

        by_row = {b.row: b for b in built}
        staged = StagedFiles(durable=self.durable)
        issued: list[tuple[_Slot, str, str]] = []
        for slot in slots:
            if slot.done is not None:
                continue
            result = by_row[slot.row]
            if result.error:
                slot.done = self._row(slot, RowState.ERROR, reasons=(result.error,))
                continue
            if not result.ok:
                slot.done = self._row(slot, RowState.INVALID, findings=result.findings)
                continue
            issued.append((slot, sha256_hex(result.document), sha256_hex(result.upload)))
        # the ledger first: a credential another run claimed meanwhile, with another validity
        # date, must not be written in a second version
        lost, withdrawn = (
            self._record(issued) if self.ledger is not None and issued else (set(), {})
        )
        if lost or withdrawn:
            for slot, _sha, _upload_sha in issued:
                if slot.credential_id in lost:
                    slot.done = self._row(slot, RowState.ERROR, reasons=(_RACED,))
                elif slot.credential_id in withdrawn:
                    # revoked or suspended since prepare(): skipped, as prepare() skips it
                    moved, noted = self._withdraw(slot.stem)
                    slot.done = self._row(
                        slot,
                        RowState.SKIPPED,
                        reasons=(
                            f"the credential is {withdrawn[slot.credential_id]} in the ledger",
                            *noted,
                        ),
                        change=CredentialChange.WITHDRAWN if moved else None,
                    )
            issued = [
                item
                for item in issued
                if item[0].credential_id not in lost and item[0].credential_id not in withdrawn
            ]
        for slot, sha, upload_sha in issued:
            result = by_row[slot.row]
            file = f"{CREDENTIALS_DIR}/{slot.stem}.jsonld"
            upload_file = f"{UPLOAD_DIR}/{slot.stem}.json"
            targets = (os.path.join(self._out_text, file), os.path.join(self._out_text, upload_file))
            change = slot.change if self.ledger is not None else CredentialChange.WRITTEN
            if change is CredentialChange.UNCHANGED and not all(map(os.path.isfile, targets)):
                change = CredentialChange.RESTORED
            staged.stage(targets[0], result.document)
            staged.stage(targets[1], result.upload)
            # before the new document is in place, so that no sealer has sealed it yet
            said = self._withdraw_superseded_seal(slot.stem) if change is CredentialChange.REGENERATED else ()
            slot.done = self._row(
                slot,
                RowState.ISSUED,
                file=file,
                sha256=sha,
                upload_file=upload_file,
                upload_sha256=upload_sha,
                findings=result.findings,
                change=change,
                reasons=said,
            )
        try:
            staged.commit()
        except BaseException:
            staged.abort()
            raise
        for slot, _sha, _upload_sha in issued:
            self._restore_seal(slot)
        if self.bundle is not None:  # after the ledger: a failure here loses no record
            for slot, _sha, _upload_sha in issued:
                built_result = by_row[slot.row]
                assert slot.done is not None
                self.bundle.add(slot.done.file, built_result.document)
                self.bundle.add(slot.done.upload_file, built_result.upload)
        for slot in slots:
            assert slot.done is not None
            self._emit(slot.done)

    def _record(
        self, issued: Sequence[tuple[_Slot, str, str]]
    ) -> tuple[set[str], dict[str, str]]:
        """Record the credentials of a chunk; the ids another run claimed since :meth:`prepare`
        with another validity date (their documents here differ from the recorded ones), and
        the state of those revoked or suspended since then (nothing is recorded for them)."""
        from elmkit.ledger.model import WITHDRAWN_STATES

        ledger = self.ledger
        assert ledger is not None
        lost: set[str] = set()
        withdrawn: dict[str, str] = {}
        with ledger.transaction():
            rest = issued
            claim_many = getattr(ledger, "claim_many", None)
            if claim_many is not None:
                fresh = [item for item in issued if not item[0].claimed]
                existing: set[str] = claim_many(
                    self.definition.id,
                    [self._new_credential(*item) for item in fresh],
                    definition_version=self.definition.version,
                    actor=self.actor,
                )
                for slot, _sha, _upload_sha in fresh:
                    if slot.credential_id not in existing:
                        slot.change = CredentialChange.NEW
                rest = [
                    item for item in issued if item[0].claimed or item[0].credential_id in existing
                ]
            for slot, sha, upload_sha in rest:
                assert slot.learner is not None and slot.valid_from is not None
                path = self._absolute(f"{CREDENTIALS_DIR}/{slot.stem}.jsonld")
                held = ledger.get_credential(slot.credential_id)
                if held is not None and held.state in WITHDRAWN_STATES:
                    withdrawn[slot.credential_id] = held.state.value
                    continue
                if not slot.claimed and held is not None:
                    if self._recorded(slot.credential_id)[0] != slot.valid_from.isoformat():
                        lost.add(slot.credential_id)
                        continue
                    slot.claimed = True  # claimed meanwhile by a run that wrote the same
                created = not slot.claimed
                if created:
                    ledger.claim_credential(
                        slot.credential_id,
                        self.definition.id,
                        slot.learner.learner_id,
                        definition_version=self.definition.version,
                        actor=self.actor,
                        detail={"valid_from": slot.valid_from.isoformat()},
                    )
                generated = ledger.record(
                    slot.credential_id,
                    "generated",
                    self.actor,
                    sha256=sha,
                    detail={"file": f"{CREDENTIALS_DIR}/{slot.stem}.jsonld"},
                    file_path=path,
                )
                same_upload = slot.exported_sha == upload_sha
                if generated is None and not same_upload and not created:
                    # another run may have exported this very file since this run read the ledger
                    same_upload = self._recorded(slot.credential_id)[1] == upload_sha
                slot.change = _change(created, generated, same_upload)
                if generated is None and same_upload:
                    continue
                ledger.record(
                    slot.credential_id,
                    "exported",
                    self.actor,
                    sha256=upload_sha,
                    detail={"format": "europass-upload", "file": f"{UPLOAD_DIR}/{slot.stem}.json"},
                )
        return lost, withdrawn

    def _recorded(self, credential: str) -> tuple[str | None, str | None]:
        """The validity date the ledger holds for a credential (from its ``defined`` event) and
        the digest of its last ``exported`` file."""
        assert self.ledger is not None
        stored: str | None = None
        exported: str | None = None
        for event in self.ledger.history(credential):
            if event.event.value == "defined" and stored is None:
                found = event.detail.get("valid_from")
                stored = str(found) if found is not None else None
            elif event.event.value == "exported":
                exported = event.sha256
        return stored, exported

    def _absolute(self, file: str) -> str:
        """The absolute path of an output file, as the ledger keeps it (the folder is resolved
        once per batch): bytes of its name that are not UTF-8 as ``\\xe9`` escapes, since the
        ledger holds Unicode text."""
        if self._resolved_out is None:
            resolved = os.fsencode(self.out.resolve())
            self._resolved_out = resolved.decode("utf-8", "backslashreplace")
        return os.path.join(self._resolved_out, file)

    def _new_credential(self, slot: _Slot, sha: str, upload_sha: str) -> NewCredential:
        """A new credential with its ``generated`` and ``exported`` events (see ``_record``)."""
        from elmkit.ledger.sqlite import NewCredential

        assert slot.learner is not None and slot.valid_from is not None
        file = f"{CREDENTIALS_DIR}/{slot.stem}.jsonld"
        return NewCredential(
            slot.credential_id,
            slot.learner.learner_id,
            detail={"valid_from": slot.valid_from.isoformat()},
            file_path=self._absolute(file),
            events=(
                ("generated", sha, {"file": file}),
                (
                    "exported",
                    upload_sha,
                    {"format": "europass-upload", "file": f"{UPLOAD_DIR}/{slot.stem}.json"},
                ),
            ),
        )

    def _emit(self, row: ManifestRow) -> None:
        self.state.counts[row.state] += 1
        if row.change is not None:
            self.state.changes[row.change] += 1
        if row.state is not RowState.ISSUED and len(self.state.problems) < MAX_PROBLEMS:
            self.state.problems.append(row)
        assert self.manifest is not None
        self.manifest.add(row)
        if self.progress is not None:
            self.progress(row)


def _chunks(slots: Iterator[_Slot], size: int) -> Iterator[list[_Slot]]:
    chunk: list[_Slot] = []
    pending = 0
    for slot in slots:
        chunk.append(slot)
        if slot.done is None:
            pending += 1
        if pending >= size or len(chunk) >= size * 4:
            yield chunk
            chunk, pending = [], 0
    if chunk:
        yield chunk


def _open_ledger(ledger: LedgerStore | str | Path | None) -> tuple[LedgerStore | None, bool]:
    if ledger is None:
        return None, False
    if isinstance(ledger, str | Path):
        from elmkit.ledger import open_ledger

        return open_ledger(ledger), True
    return ledger, False


def issue_batch(
    definition: MicroCredential | str | Path | Mapping[str, Any],
    results: ResultSource,
    out_dir: str | Path,
    *,
    profiles: Sequence[str] | None = None,
    stage: str = "ready",
    ledger: LedgerStore | str | Path | None = None,
    actor: str = "elmkit",
    images: bool | None = None,
    workers: int = 1,
    zip_bundle: bool = True,
    valid_from: datetime | None = None,
    progress: Progress | None = None,
    lang: str = "en",
    chunk_size: int | None = None,
    durable: bool = True,
    on_total: Callable[[int], None] | None = None,
) -> BatchResult:
    """Issue one credential per eligible learner of ``results`` into ``out_dir``.

    ``definition`` is a :class:`MicroCredential`, a definition file or a mapping of its fields
    (as :func:`load_definition` takes it); ``results`` a CSV/XLSX file
    or an iterable of records. Each credential is validated with ``profiles`` (default:
    :func:`default_profiles`) at ``stage``; invalid ones are reported, not written. Output:
    ``credentials/*.jsonld``, ``europass/*.json`` (upload files with ``deliveryDetails``),
    ``manifest.csv``/``manifest.json`` and, with ``zip_bundle``, ``<definition id>.zip``.

    ``ledger`` (a store, or a path to a SQLite file) records ``generated`` and ``exported`` events
    and keeps each credential's validity date, so a second run reproduces the same bytes.
    ``valid_from`` is the validity start of credentials the ledger does not hold yet (those it
    holds keep theirs, so that a daily run with today's date rewrites nothing); without a ledger
    pass it for reproducible output. ``images=True`` renders a display page
    per language (needs Pillow), as the EDC profile requires; ``None`` (the default) renders them
    when Pillow is installed. With ``images=False`` the missing page is reported as a warning:
    Europass adds a default display to uploaded credentials. ``workers > 1`` builds in that many
    processes; profiles registered at run time (``register_profile``) are sent to them pickled
    when they do not start as a fork of this process (``spawn``, ``forkserver``). ``lang`` is the language of the findings' messages. Files are published in chunks
    of ``chunk_size`` credentials (temporary files, one disk sync, renames); ``durable=False``
    skips the sync (still atomic if the process dies, not if the machine loses power).
    ``progress`` is given each manifest row as it is written, and ``on_total``, before the first,
    how many a results file gives (:func:`count_rows`, without reading the file twice). An
    exception either raises stops the batch as an interrupt does (a way to cancel it): the
    credentials already written are in the ledger, no manifest is written, and the run after
    picks up where it stopped.

    Raises :class:`~elmkit.errors.SourceError` when the definition or the results file cannot be
    used; a malformed row never stops the others. Raises :class:`~elmkit.profiles.ProfileError`,
    before anything is issued, for a profile registered at run time that worker processes need
    but that cannot be pickled.
    """
    started = time.perf_counter()
    definition_file = ""
    if not isinstance(definition, MicroCredential):
        # a mapping has no file to name in errors (not its repr)
        definition_file = "" if isinstance(definition, Mapping) else str(definition)
        definition = load_definition(definition)
    if valid_from is not None and (not isinstance(valid_from, datetime) or valid_from.tzinfo is None):
        raise SourceError(
            f"valid_from is a datetime with a time zone (datetime(..., tzinfo=UTC)), not {valid_from!r}"
        )
    if not isinstance(actor, str) or not actor.strip():
        raise SourceError(f"actor names who issues, as text, not {actor!r}")
    if not isinstance(workers, int) or isinstance(workers, bool):
        raise SourceError(f"workers is a number of processes, not {workers!r}")
    if isinstance(profiles, str):
        profiles = (profiles,)  # one name, not its letters
    chosen = tuple(profiles) if profiles else default_profiles(definition)
    for item in chosen:
        if not isinstance(item, str):
            raise ProfileError(
                f"issue_batch takes profile names, not {item!r}: register the profile with "
                "elmkit.profiles.register_profile and pass its name"
            )
    from elmkit.profiles.base import as_stage

    try:
        as_stage(stage)
    except ProfileError as exc:
        raise SourceError(exc.message, path="stage") from None
    try:
        normalize_tag(lang)
    except LanguageTagError as exc:
        raise SourceError(f"lang: {exc.message}", path="lang") from None
    use_images = pages_available() if images is None else images
    config = _Config(definition, chosen, stage, use_images, lang)
    builder = _preflight(config, definition_file)
    if workers < 1:
        raise SourceError(f"workers must be at least 1, not {workers}")
    # the start method the workers get (the default: fork on Linux before Python 3.14,
    # forkserver from 3.14, spawn on macOS and Windows) decides what they must be sent
    context = multiprocessing.get_context()
    sent = _profiles_for_workers(chosen, context.get_start_method()) if workers > 1 else ()
    size = chunk_size or (8 if use_images else 128)

    # the first row is read before anything is written: a results file that cannot be used at
    # all (missing, not a table, wrong encoding or a damaged part anywhere in it: files are
    # checked to their end before their first row is given) stops the batch here
    notes: list[str] = []
    sheets: list[str] = []
    rows = iter_results(results, warn=notes.append, on_sheet=sheets.append, on_total=on_total)
    first = list(itertools.islice(rows, 1))  # a workbook's sheet is known from here on
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise SourceError("the output path is not a folder", file=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SourceError(
            f"the output folder cannot be created: {exc.strerror or exc}", file=str(out)
        ) from exc
    # only where elmkit writes: an output folder may be a large shared one
    from elmkit.microcredentials.sealing import SEALED_DIR

    remove_stale_temp_files(out, within=(CREDENTIALS_DIR, UPLOAD_DIR, SEALED_DIR, WITHDRAWN_DIR))
    store, owned = _open_ledger(ledger)
    try:
        if store is not None:
            _define(store, definition, definition_file)
        batch = _Batch(
            definition,
            out,
            config=config,
            ledger=store,
            actor=actor,
            valid_from=valid_from,
            progress=progress,
            durable=durable,
            sheet=sheets[0] if sheets else None,
        )
        header: dict[str, Any] = {
            "definition": definition.id,
            "version": definition.version,
            "fingerprint": definition.fingerprint(),
            "profiles": list(chosen),
            "stage": stage,
            "images": use_images,
        }
        warnings = (definition_page_warnings(definition) if use_images else ()) + tuple(notes)
        noted = len(notes)  # records read later may warn too (keys not read)
        if warnings:
            header["warnings"] = list(warnings)
        batch.manifest = ManifestWriter(out, header, durable=durable)
        bundle = out / f"{safe_name(definition.id)}.zip" if zip_bundle else None
        try:
            if bundle is not None:
                # a thread compresses beside the batch; not beside worker processes, which
                # are forked (a process with threads should not fork)
                batch.bundle = ZipBundle(bundle, durable=durable, background=workers == 1)
            slots = batch.slots(itertools.chain(first, rows))
            if workers == 1:
                _run_inline(batch, builder, slots, size)
            else:
                _run_pool(batch, config, slots, size, workers, context, sent)
            summary = {state.value: count for state, count in batch.state.counts.items()}
            batch.manifest.close(summary)
            if batch.bundle is not None:
                batch.bundle.add_file("manifest.csv", out / "manifest.csv")
                batch.bundle.add_file("manifest.json", out / "manifest.json")
                batch.bundle.close()
        except BaseException:
            batch.manifest.abort()
            if batch.bundle is not None:
                batch.bundle.abort()
            raise
    finally:
        if owned and store is not None:
            store.close()
    return BatchResult(
        out_dir=out,
        definition_id=definition.id,
        profiles=chosen,
        counts=dict(batch.state.counts),
        manifest_csv=out / "manifest.csv",
        manifest_json=out / "manifest.json",
        bundle=bundle,
        ledger=None if store is None else str(getattr(store, "path", "")) or None,
        problems=tuple(batch.state.problems),
        images=use_images,
        seconds=time.perf_counter() - started,
        warnings=warnings + tuple(notes[noted:]) + tuple(batch.state.warnings),
        changes=dict(batch.state.changes),
        superseded_seals=tuple(batch.state.superseded_seals),
    )


def _preflight(config: _Config, definition_file: str) -> _Builder:
    """Build a specimen credential so that definition mistakes stop the batch before it starts."""
    try:
        builder = _Builder(config)
        specimen = LearnerResult(
            learner_id="specimen", given_name="Ana", family_name="García", passed=True
        )
        built = builder.build(_Job(0, specimen, datetime(2000, 1, 1, tzinfo=UTC)))
    except SourceError as exc:
        if exc.file or not definition_file:
            raise
        raise SourceError(exc.message, file=definition_file, path=exc.path) from exc
    if built.error:
        raise SourceError(built.error, file=definition_file)
    return builder


def _define(store: LedgerStore, definition: MicroCredential, definition_file: str) -> None:
    from elmkit.ledger import ConflictError

    title = definition.title.get(definition.primary_language) or definition.id
    document = _definition_document(definition)
    try:
        store.define(definition.id, document, title=str(title), version=definition.version)
    except ConflictError:
        stored = store.get_definition(definition.id, definition.version)
        meant = _as_meant(document)
        if stored is not None and meant is not None and _as_meant(stored.document) == meant:
            return  # the same definition, stored by a version of elmkit that wrote it otherwise
        raise SourceError(
            f"definition {definition.id!r} version {definition.version!r} is already in the "
            "ledger with different content: give the changed definition a new 'version'",
            file=definition_file,
            path="version",
        ) from None


def _run_inline(batch: _Batch, builder: _Builder, slots: Iterator[_Slot], size: int) -> None:
    for chunk in _chunks(slots, size):
        jobs = [job for slot in chunk if slot.done is None and (job := batch.prepare(slot))]
        batch.finish(chunk, [builder.build(job) for job in jobs])


def _change(created: bool, generated: Event | None, same_upload: bool) -> CredentialChange:
    """What recording an issued credential in the ledger tells: whether this run ``created`` it,
    the ``generated`` (or ``regenerated``) event its document got (None: the ledger held that
    document already) and whether its upload file is the one last exported."""
    if created or (generated is not None and generated.event.value == "generated"):
        return CredentialChange.NEW
    if generated is not None:
        return CredentialChange.REGENERATED
    return CredentialChange.UNCHANGED if same_upload else CredentialChange.REEXPORTED


def _not_issued(
    number: int,
    learner: LearnerResult,
    state: RowState,
    reasons: Sequence[str],
    credential: str = "",
) -> _Slot:
    """The slot of a row that gets no credential, with why."""
    return _Slot(
        number,
        ManifestRow(
            number,
            state,
            learner_id=learner.learner_id,
            name=learner.full_name,
            email=learner.email or "",
            reasons=tuple(reasons),
            credential_id=credential,
        ),
    )


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM to this process (a job queue's or a supervisor's stop, which reaches only the
    main process) is handled as Ctrl-C, so that the workers are shut down with the pool rather
    than left running without a parent. Only in the main thread, where signals are handled."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_pool(
    batch: _Batch,
    config: _Config,
    slots: Iterator[_Slot],
    size: int,
    workers: int,
    context: BaseContext,
    sent: tuple[tuple[str, bytes], ...] = (),
) -> None:
    """Build in ``workers`` processes of ``context``; ``sent`` are the pickled profiles they
    register first (see :func:`_profiles_for_workers`)."""
    pending: deque[tuple[list[_Slot], Future[list[_Built]] | None]] = deque()
    with _terminate_as_interrupt(), ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(config, sent)
    ) as pool:
        for chunk in _chunks(slots, size):
            jobs = [job for slot in chunk if slot.done is None and (job := batch.prepare(slot))]
            pending.append((chunk, pool.submit(_build_chunk, jobs) if jobs else None))
            while len(pending) > workers * 2:
                done_chunk, future = pending.popleft()
                batch.finish(done_chunk, future.result() if future is not None else [])
        while pending:
            done_chunk, future = pending.popleft()
            batch.finish(done_chunk, future.result() if future is not None else [])
