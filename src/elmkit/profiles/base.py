"""Validation profiles: findings, reports, the profile protocol and the registry."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from elmkit.errors import ElmError

if TYPE_CHECKING:
    from rich.table import Table

    from elmkit.model.base import ElmNode

__all__ = [
    "ENTRY_POINT_GROUP",
    "Finding",
    "PreparedProfile",
    "Profile",
    "ProfileError",
    "Report",
    "Severity",
    "SharedAware",
    "Stage",
    "as_stage",
    "available_profiles",
    "get_profile",
    "prepare_profiles",
    "register_profile",
]

ENTRY_POINT_GROUP = "elmkit.profiles"


class ProfileError(ElmError):
    """A profile is unknown, malformed or could not be loaded, or it made a malformed finding."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Stage(StrEnum):
    """When a credential is checked.

    ``draft``: while authoring; ``ready``: ready to upload to Europass or to seal; ``sealed``: an
    issued credential (``issued``, the issuer's eIDAS identifier, … are required).
    """

    DRAFT = "draft"
    READY = "ready"
    SEALED = "sealed"


_STAGE_NAMES = frozenset(stage.value for stage in Stage)


def as_stage(stage: object) -> Stage:
    """The stage named by ``stage`` (a :class:`Stage` or its name); :class:`ProfileError` for
    anything else."""
    if isinstance(stage, str) and stage in _STAGE_NAMES:
        return Stage(stage)
    known = ", ".join(item.value for item in Stage)
    raise ProfileError(f"unknown stage {stage!r}: use one of {known}")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or note) a profile reports about a credential."""

    code: str
    """Stable machine code, e.g. ``edc-ap/minCount`` or ``eu-mc/learning-outcomes``."""
    severity: Severity
    """A :class:`Severity`; its value (``"error"``) is read as it."""
    messages: Mapping[str, str] = field(hash=False)
    """The message by language (``en`` always; ``es`` at least for built-in profiles)."""
    path: str = ""
    """JSON pointer into the credential's JSON-LD."""
    focus: str | None = None
    """The id of the node concerned."""
    property: str | None = None
    """IRI of the property concerned."""
    source: str = ""
    """Where the rule comes from: a SHACL shape IRI, "Annex I element 7", a decree article."""
    profile: str = ""
    constraint: str = ""
    """The kind of constraint (``minCount``, ``datatype``, ``class``, ``in``, …)."""
    value: Any = field(default=None, hash=False)
    """The value concerned, when there is one (findings hash without it and the messages, so
    that they go in sets, which dedupe findings of several runs)."""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code:
            raise ProfileError(f"a finding's code is a non-empty str, not {self.code!r}")
        try:
            object.__setattr__(self, "severity", Severity(self.severity))
        except ValueError:
            known = ", ".join(item.value for item in Severity)
            raise ProfileError(
                f"finding {self.code!r}: the severity is one of {known}, not {self.severity!r}"
            ) from None
        messages = self.messages
        if (
            not isinstance(messages, Mapping)
            or not messages
            or not all(isinstance(tag, str) and isinstance(text, str) for tag, text in messages.items())
        ):
            raise ProfileError(
                f"finding {self.code!r}: the messages map language tags to texts "
                f"({{'en': '…'}}), not {messages!r}"
            )
        for name in ("path", "source", "profile", "constraint", "focus", "property"):
            given = getattr(self, name)
            if given is None and name not in ("focus", "property"):
                object.__setattr__(self, name, "")  # left out, as the default says
            elif not isinstance(given, str | None):
                raise ProfileError(f"finding {self.code!r}: the {name} is a str, not {given!r}")

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (any case, ``-`` or ``_``), falling back as multilingual text
        does (:func:`elmkit.model.text.fallback_chain`: the language's base, its configured
        chain, so Catalan, Basque and Galician reach Spanish, then English)."""
        if lang in self.messages:
            return self.messages[lang]
        from elmkit.model.text import best_match

        wanted = lang.replace("_", "-").lower()
        for tag, text in self.messages.items():
            if tag.lower() == wanted:
                return text
        try:
            found = best_match(wanted, self.messages)
        except ElmError:  # no language tag: its base, as given
            found = None
        if found is not None:
            return self.messages[found]
        base = wanted.split("-")[0]
        return self.messages.get(base) or self.messages.get("en") or next(iter(self.messages.values()), "")

    def to_problem(self, lang: str = "en") -> dict[str, Any]:
        """An RFC 9457-style problem object."""
        problem: dict[str, Any] = {
            "type": f"urn:elmkit:finding:{self.code}",
            "title": self.code,
            "detail": self.message(lang),
            "severity": self.severity.value,
            "instance": self.path or "/",
        }
        for key, value in (
            ("focusNode", self.focus),
            ("property", self.property),
            ("source", self.source),
            ("profile", self.profile),
            ("constraint", self.constraint),
        ):
            if value:
                problem[key] = value
        if self.value is not None:
            # JSON has no NaN nor infinity: those are written as their text, as other values are
            plain = isinstance(self.value, str | int | bool) or (
                isinstance(self.value, float) and math.isfinite(self.value)
            )
            problem["value"] = self.value if plain else str(self.value)
        return problem


@dataclass(slots=True)
class Report:
    """What the profiles found: ``ok`` when there is no error."""

    findings: list[Finding] = field(default_factory=list)
    profiles: tuple[str, ...] = ()
    stage: Stage = Stage.READY
    lang: str = "en"

    @property
    def ok(self) -> bool:
        return not any(f.severity == Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.INFO]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __bool__(self) -> bool:
        return self.ok

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        """The report as JSON data: a verdict and RFC 9457-style problem objects."""
        language = lang or self.lang
        return {
            "ok": self.ok,
            "stage": self.stage.value,
            "profiles": list(self.profiles),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "infos": len(self.infos),
            "problems": [f.to_problem(language) for f in self.findings],
        }

    def __str__(self) -> str:
        head = "valid" if self.ok else "INVALID"
        lines = [
            f"{head} ({', '.join(self.profiles)}; stage {self.stage.value}): "
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s), {len(self.infos)} note(s)"
        ]
        for f in self.findings:
            lines.append(f"  [{f.severity.value}] {f.path or '/'}: {f.message(self.lang)} ({f.code})")
        return "\n".join(lines)

    def rich_table(self, lang: str | None = None) -> Table:
        """A ``rich`` table of the findings."""
        from rich.table import Table
        from rich.text import Text

        language = lang or self.lang
        table = Table(title=Text(("valid" if self.ok else "invalid") + f" — {', '.join(self.profiles)}"))
        table.add_column("severity")
        table.add_column("where", overflow="fold")  # whole in any width: a log keeps the path
        table.add_column("message", overflow="fold")
        table.add_column("rule", style="dim", overflow="fold")
        styles = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
        for f in self.findings:
            table.add_row(
                f"[{styles[f.severity]}]{f.severity.value}[/]",
                Text(f.path or "/"),
                Text(f.message(language)),
                Text(f"{f.code}\n{f.source}" if f.source else f.code),
            )
        return table

    def __rich__(self) -> Table:
        return self.rich_table()

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{f.severity.value}</td><td><code>{escape(f.path or '/')}</code></td>"
            f"<td>{escape(f.message(self.lang))}</td><td><code>{escape(f.code)}</code>"
            f"{'<br>' + escape(f.source) if f.source else ''}</td></tr>"
            for f in self.findings
        )
        verdict = "valid" if self.ok else "invalid"
        return f"<p><b>{verdict}</b></p><table><tr><th>severity</th><th>where</th><th>message</th><th>rule</th></tr>{rows}</table>"


@runtime_checkable
class Profile(Protocol):
    """A validation profile: a name and a check that yields findings.

    A profile never raises on a credential that loaded: it reports (a check that raises all the
    same is reported as ``<name>/check-failed``, an error).
    """

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
        """The findings about ``credential``: the node the document is, a credential or any
        other node (a ``Person`` for a document that is one), which a profile for credentials
        reports as a finding."""
        ...


@runtime_checkable
class SharedAware(Protocol):
    """A profile that can check many credentials sharing objects faster (optional).

    ``with_shared(shared)`` returns the profile for credentials that hold the objects
    ``shared`` (organisations, specifications, concepts) as the same, unchanging Python
    objects; its findings must be exactly those of :meth:`Profile.check`.
    """

    def with_shared(self, shared: Sequence[ElmNode]) -> Profile: ...


class SharedChecker(Protocol):
    """A profile whose check can use what it read of the objects many credentials share."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    def _check(self, credential: ElmNode, stage: Stage, shared: Any) -> list[Finding]: ...


@dataclass(frozen=True, slots=True)
class PreparedProfile:
    """A profile bound to what it read of the objects many credentials share (what
    :meth:`SharedAware.with_shared` returns for the built-in profiles)."""

    profile: SharedChecker
    shared: Any

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def title(self) -> str:
        return self.profile.title

    def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
        return self.profile._check(credential, stage, self.shared)


#: Classes whose objects were found to be profiles: a protocol check is slow (it lists the
#: protocol's members each time), and a batch asks it for every credential.
_PROFILE_CLASSES: set[type] = set()


def _is_profile(obj: object) -> bool:
    kind = type(obj)
    if kind in _PROFILE_CLASSES:
        return True
    if _profile_problem(obj) is not None:
        return False
    # remembered only for a class that has the members itself: the objects of a class that
    # sets them per object (a namespace) may differ
    if all(hasattr(kind, member) for member in ("name", "title", "check")):
        _PROFILE_CLASSES.add(kind)
    return True


def _profiles(profiles: object) -> tuple[str | Profile, ...]:
    """The profiles asked for; one name alone is one profile (not its letters)."""
    if isinstance(profiles, str) or _is_profile(profiles):
        return (profiles,)  # type: ignore[return-value]
    if isinstance(profiles, type) or not isinstance(profiles, Iterable):
        raise _no_profile(profiles, "profiles are names or Profile objects")
    chosen = tuple(profiles)
    for item in chosen:
        if not (isinstance(item, str) or _is_profile(item)):
            raise _no_profile(item, "a profile is a name or a Profile object")
    return chosen


def _no_profile(given: object, what: str) -> ProfileError:
    """The error for ``given``, which was given as a profile and is none."""
    problem = _profile_problem(given)
    if problem is None or not (isinstance(given, type) or hasattr(type(given), "check")):
        problem = f"{what}, not {given!r}"  # not meant to be a profile at all
    return ProfileError(problem)


def prepare_profiles(
    profiles: Sequence[str | Profile], shared: Iterable[ElmNode]
) -> tuple[Profile, ...]:
    """``profiles`` ready for many credentials that share the objects ``shared``.

    Profiles that implement :class:`SharedAware` read and check the shared objects once; the
    others are returned as they are. The shared objects must not change while the returned
    profiles are used.
    """
    chosen = _profiles(profiles)
    nodes = tuple(shared)
    out: list[Profile] = []
    for item in chosen:
        profile = get_profile(item) if isinstance(item, str) else item
        out.append(_with_shared(profile, nodes) if isinstance(profile, SharedAware) else profile)
    return tuple(out)


def _with_shared(profile: Profile, shared: tuple[ElmNode, ...]) -> Profile:
    """What ``profile.with_shared(shared)`` gives, or :class:`ProfileError` naming the profile."""
    try:
        prepared = profile.with_shared(shared)  # type: ignore[attr-defined]
    except MemoryError:
        raise
    except Exception as exc:  # a third-party profile may fail in any way
        raise ProfileError(
            f"profile {profile.name!r}: with_shared() failed: {type(exc).__name__}: {exc}"
        ) from exc
    if not _is_profile(prepared):
        raise ProfileError(f"profile {profile.name!r}: with_shared() gives no profile but {prepared!r}")
    return prepared  # type: ignore[no-any-return]


_registry: dict[str, Profile] = {}
#: The profile each entry point gave in this process: what another process loads by itself.
_given_by_entry_points: dict[str, Profile] = {}


def _profile_problem(profile: object) -> str | None:
    """Why ``profile`` is no profile that can be registered, or ``None`` when it is one."""
    kind = type(profile).__name__
    if isinstance(profile, type):
        return f"{profile.__name__} is a class: give an object of it, not the class"
    try:
        name = getattr(profile, "name", None)
        title = getattr(profile, "title", None)
        check = getattr(profile, "check", None)
    except Exception as exc:  # a property of a third-party object may fail in any way
        return f"the {kind} object's name, title or check could not be read ({type(exc).__name__}: {exc})"
    if not isinstance(name, str) or not name.strip():
        return f"a profile's name is a non-empty str; the {kind} object's is {name!r}"
    if not isinstance(title, str):
        return f"a profile's title is a str; that of profile {name!r} is {title!r}"
    if not callable(check):
        return f"profile {name!r} has no check(credential, *, stage) method"
    return None


def register_profile(profile: Profile, *, replace: bool = False) -> Profile:
    """Make a profile available by its name to :func:`elmkit.validate`.

    A name already taken, by a built-in profile too, raises :class:`ProfileError` unless
    ``replace`` is true.
    """
    problem = _profile_problem(profile)
    if problem is not None:
        raise ProfileError(problem)
    _load_builtin()  # so that a built-in name is taken whenever this is called
    if profile.name in _registry and not replace and _registry[profile.name] is not profile:
        raise ProfileError(f"a profile named {profile.name!r} is already registered")
    _registry[profile.name] = profile
    return profile


@dataclass(frozen=True, slots=True)
class _Clash:
    """Entry points of one name that name different objects (two installed packages)."""

    entry_points: tuple[Any, ...]

    def error(self, name: str) -> ProfileError:
        given = "; ".join(
            f"{ep.value}" + (f" (package {ep.dist.name})" if getattr(ep, "dist", None) else "")
            for ep in self.entry_points
        )
        return ProfileError(
            f"{len(self.entry_points)} entry points of group {ENTRY_POINT_GROUP!r} are named "
            f"{name!r}: {given}; uninstall all but one, or register the profile to use with "
            "register_profile"
        )


@functools.cache
def _entry_points() -> dict[str, Any]:
    """The entry points of :data:`ENTRY_POINT_GROUP` by name; a :class:`_Clash` for a name that
    several of them give to different objects, none of which is then loaded."""
    from importlib.metadata import entry_points

    found: dict[str, list[Any]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        same = found.setdefault(ep.name, [])
        if all(other.value != ep.value for other in same):
            same.append(ep)
    return {name: eps[0] if len(eps) == 1 else _Clash(tuple(eps)) for name, eps in found.items()}


def _load_builtin() -> None:
    """Put the built-in profiles in the registry; a name taken there keeps its profile."""
    from elmkit.profiles import builtin

    for profile in builtin.profiles():
        _registry.setdefault(profile.name, profile)


def get_profile(name: str) -> Profile:
    """A registered, built-in or entry-point profile by name.

    An entry point of the :data:`ENTRY_POINT_GROUP` group is loaded the first time its name is
    asked for (a class, or another callable, is called without arguments); one that cannot be
    loaded or called, that gives no profile or a profile of another name raises
    :class:`ProfileError` naming it, and registers nothing.
    """
    profile = _registry.get(name)
    if profile is None:
        _load_builtin()
        profile = _registry.get(name)
    if profile is None:
        ep = _entry_points().get(name)
        if ep is None:
            raise ProfileError(f"unknown profile {name!r}; available: {', '.join(available_profiles())}")
        if isinstance(ep, _Clash):
            raise ep.error(name)
        given = _entry_point_profile(name, ep)
        profile = _registry.setdefault(name, given)
        if profile is given:  # not another thread's, loaded meanwhile
            _given_by_entry_points[name] = given
    return profile


def given_by_entry_point(profile: Profile) -> bool:
    """Whether ``profile`` is what its entry point gives, which any other process (a worker)
    loads by itself: the object loaded here, or the very object the entry point names (a
    module-level profile an application registered itself); not one made or configured at run
    time under that name."""
    if _given_by_entry_points.get(profile.name) is profile:
        return True
    ep = _entry_points().get(profile.name)
    if ep is None or isinstance(ep, _Clash):
        return False
    try:
        return bool(ep.load() is profile)
    except Exception:  # a plugin that does not load gives no profile to a worker either
        return False


def _entry_point_profile(name: str, ep: Any) -> Profile:
    """The profile the entry point ``ep`` named ``name`` gives (not registered)."""
    where = f"entry point {name!r} ({ep.value}) of group {ENTRY_POINT_GROUP!r}"
    try:
        loaded = ep.load()
    except Exception as exc:  # a third-party plugin may fail in any way
        raise ProfileError(f"{where} could not be loaded: {type(exc).__name__}: {exc}") from exc
    if isinstance(loaded, type) or (callable(loaded) and not isinstance(loaded, Profile)):
        try:
            loaded = loaded()
        except Exception as exc:  # a third-party plugin may fail in any way
            raise ProfileError(
                f"{where}: {ep.value}() could not be called without arguments: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    problem = _profile_problem(loaded)
    if problem is not None:
        raise ProfileError(f"{where} gives no profile: {problem}")
    profile: Profile = loaded
    if profile.name != name:
        raise ProfileError(
            f"{where} gives a profile named {profile.name!r}: name the entry point as its profile"
        )
    return profile


def available_profiles() -> list[str]:
    """Names of every profile that can be used."""
    _load_builtin()
    return sorted(set(_registry) | set(_entry_points()))


def run_profiles(
    credential: ElmNode, profiles: Sequence[str | Profile], *, stage: Stage, lang: str = "en"
) -> Report:
    """Run each profile and gather one report.

    A profile whose check raises (or gives something that is no :class:`Finding`) is reported
    with an error, ``<profile name>/check-failed``, after the findings it gave before. A profile
    named twice runs once. A finding made without ``profile`` gets the name of the profile that
    gave it. A finding given again (a profile that runs another's checks, listed beside it) is
    reported once.
    """
    findings: list[Finding] = []
    seen: set[Finding] = set()
    names: list[str] = []
    for item in profiles:
        profile = get_profile(item) if isinstance(item, str) else item
        if profile.name in names:
            continue
        names.append(profile.name)
        for finding in _checked(profile, credential, stage):
            if finding not in seen:
                seen.add(finding)
                findings.append(finding)
    return Report(findings=findings, profiles=tuple(names), stage=stage, lang=lang)


def _checked(profile: Profile, credential: ElmNode, stage: Stage) -> list[Finding]:
    """The findings of ``profile``; an error finding if its check fails."""
    found: list[Finding] = []
    try:
        for finding in profile.check(credential, stage=stage):
            if not isinstance(finding, Finding):
                raise ProfileError(f"the check gave a {type(finding).__name__}, not a Finding")
            found.append(finding if finding.profile else replace(finding, profile=profile.name))
    except MemoryError:
        raise
    except Exception as exc:  # a third-party profile may fail in any way: the report says so
        found.append(_check_failed(profile.name, exc))
    return found


def _check_failed(name: str, exc: Exception) -> Finding:
    """The error that says the check of profile ``name`` failed with ``exc``."""
    error = f"{type(exc).__name__}: {exc}"
    return Finding(
        code=f"{name}/check-failed",
        severity=Severity.ERROR,
        messages={
            "en": f"the checks of profile {name} could not be completed ({error})",
            "es": f"no se pudieron completar las comprobaciones del perfil {name} ({error})",
        },
        profile=name,
    )
