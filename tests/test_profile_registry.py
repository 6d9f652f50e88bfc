"""The profile registry: registering, built-in names, entry points, third-party profiles."""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import REFERENCE_DIR, SAMPLES_DIR
from elmkit.cli import _register, app
from elmkit.model.base import ElmNode
from elmkit.profiles import (
    Finding,
    ProfileError,
    Report,
    Severity,
    Stage,
    base,
    builtin,
    get_profile,
    register_profile,
    validate,
)
from elmkit.profiles.eu import EuMicroCredentialProfile
from test_issue_support import (
    VALID_FROM,
    definition_file,
    learner_rows,
    require_serializers,
    write_csv,
)

_register()
runner = CliRunner(env={"COLUMNS": "400"})
UNSIGNED = SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld"


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


class Yields:
    """A third-party profile that reports what it is given."""

    title = "reports what it is given"

    def __init__(self, name: str, *findings: Finding) -> None:
        self.name = name
        self.findings = findings

    def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
        yield from self.findings


def _finding(severity: object, code: str = "acme/rule") -> Finding:
    return Finding(
        code=code,
        severity=severity,  # type: ignore[arg-type]
        messages={"en": "broken", "es": "roto"},
        path="/validUntil",
    )


@pytest.mark.parametrize("severity", [*Severity, *(item.value for item in Severity)])
def test_a_severity_given_by_name_is_the_severity(severity: object) -> None:
    finding = _finding(severity)
    assert finding.severity is Severity(severity)
    same = _finding(Severity(severity))
    assert finding == same and hash(finding) == hash(same) and len({finding, same}) == 1
    assert dataclasses.replace(same, severity=str(severity)).severity is Severity(severity)
    assert pickle.loads(pickle.dumps(finding)) == finding


@pytest.mark.parametrize("severity", ["fatal", "ERROR", "", None, 2, Stage.READY])
def test_a_severity_that_is_no_severity_is_refused_naming_the_finding(severity: object) -> None:
    with pytest.raises(ProfileError, match=r"'acme/rule'.*error, warning, info"):
        _finding(severity)


@pytest.mark.parametrize(
    ("lang", "language"),
    [
        ("es", "es"), ("es_ES", "es"), ("ca", "es"), ("ca-ES-valencia", "es"), ("eu", "es"),
        ("gl", "es"), ("oc-aranes", "es"), ("EN-gb", "en"), ("fr", "en"), ("pt", "en"),
        ("not a tag", "en"),
    ],
)  # fmt: skip
def test_a_message_falls_back_as_multilingual_text_does(lang: str, language: str) -> None:
    """Spain's co-official languages read the Spanish message before the English one, as the
    texts of credentials and their pages fall back."""
    finding = Finding(
        code="acme/rule", severity="error", messages={"en": "broken", "es": "roto"}, path="/x"
    )
    assert finding.message(lang) == {"en": "broken", "es": "roto"}[language]
    catalan = dataclasses.replace(finding, messages={**finding.messages, "ca": "trencat"})
    catalan_first = lang in ("ca", "ca-ES-valencia", "oc-aranes")  # Aranese: oc, ca, es
    assert catalan.message(lang) == ("trencat" if catalan_first else finding.message(lang))
    if lang != "not a tag":
        assert Report(findings=[finding], profiles=("acme",), lang=lang).to_json()["problems"][0][
            "detail"
        ] == finding.message(lang)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"messages": "the credential expired"}, r"'acme/rule'.*messages map language tags.*'the credential expired'"),
        ({"messages": None}, r"'acme/rule'.*messages map language tags"),
        ({"messages": {}}, r"'acme/rule'.*messages map language tags"),
        ({"messages": {"en": 3}}, r"'acme/rule'.*messages map language tags"),
        ({"messages": {None: "broken"}}, r"'acme/rule'.*messages map language tags"),
        ({"code": None}, r"code is a non-empty str, not None"),
        ({"code": ""}, r"code is a non-empty str"),
        ({"path": 5}, r"'acme/rule': the path is a str, not 5"),
        ({"source": ["rule 4"]}, r"'acme/rule': the source is a str, not \['rule 4'\]"),
        ({"focus": 3}, r"'acme/rule': the focus is a str, not 3"),
    ],
)
def test_a_malformed_finding_is_refused_naming_it(fields: dict[str, object], message: str) -> None:
    given: dict[str, object] = {"code": "acme/rule", "severity": "error", "messages": {"en": "broken"}, **fields}
    with pytest.raises(ProfileError, match=message):
        Finding(**given)  # type: ignore[arg-type]


def test_a_text_of_a_finding_given_as_none_is_left_out() -> None:
    finding = Finding(code="acme/rule", severity="error", messages={"en": "broken"}, path=None, source=None)  # type: ignore[arg-type]
    assert (finding.path, finding.source, finding.focus) == ("", "", None)
    assert finding.to_problem()["instance"] == "/" and "source" not in finding.to_problem()


def test_a_check_that_makes_a_malformed_finding_fails_and_the_report_still_prints(
    registry: dict[str, object],
) -> None:
    class Sloppy:
        name = "acme-sloppy"
        title = "gives a text where the messages by language belong"

        def __init__(self, **fields: object) -> None:
            self.fields = fields

        def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
            yield Finding(**{"code": "acme/rule", "severity": "error", **self.fields})  # type: ignore[arg-type]

    for fields, said in (
        ({"messages": "the credential expired"}, "messages map language tags"),
        ({"messages": {"en": "broken"}, "path": 5}, "the path is a str, not 5"),
    ):
        register_profile(Sloppy(**fields), replace=True)
        report = validate(UNSIGNED, profiles=("acme-sloppy",), stage="ready")
        assert [f.code for f in report] == ["acme-sloppy/check-failed"]
        assert said in report.findings[0].message()
        for output in ("json", "text"):
            shown = runner.invoke(app, ["validate", str(UNSIGNED), "-p", "acme-sloppy", "--format", output])
            assert shown.exit_code == 1 and isinstance(shown.exception, SystemExit), shown.output
            assert "acme-sloppy/check-failed" in shown.stdout


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_value_json_cannot_write_is_given_as_its_text(registry: dict[str, object], value: float) -> None:
    finding = dataclasses.replace(_finding("error"), value=value)
    assert finding.to_problem()["value"] == str(value)
    assert dataclasses.replace(finding, value=8.5).to_problem()["value"] == 8.5
    register_profile(Yields("acme-value", finding))
    shown = runner.invoke(app, ["validate", str(UNSIGNED), "-p", "acme-value", "--format", "json"])
    assert shown.exit_code == 1, shown.output

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is no JSON")

    assert json.loads(shown.stdout, parse_constant=refuse)["problems"][0]["value"] == str(value)


def test_an_error_given_by_name_makes_the_report_invalid() -> None:
    report = Report(
        findings=[_finding("error"), _finding("warning", "acme/w"), _finding("info", "acme/i")],
        profiles=("acme",),
    )
    assert not report.ok and not bool(report)
    assert [len(report.errors), len(report.warnings), len(report.infos)] == [1, 1, 1]
    assert str(report).startswith("INVALID (acme; stage ready): 1 error(s), 1 warning(s), 1 note(s)")
    assert "[error] /validUntil: broken (acme/rule)" in str(report)
    assert report.to_json()["errors"] == 1 and report.to_json()["problems"][0]["severity"] == "error"
    console = Console(record=True, width=200)
    console.print(report.rich_table("es"))
    assert "roto" in console.export_text()
    assert "<td>error</td>" in report._repr_html_()


def test_a_third_party_error_given_by_name_fails_validate_and_the_cli(registry: dict[str, object]) -> None:
    register_profile(Yields("acme-strings", _finding("error")))
    assert not validate(UNSIGNED, profiles=("acme-strings",), stage="ready").ok
    shown = runner.invoke(app, ["validate", str(UNSIGNED), "-p", "acme-strings"])
    assert shown.exit_code == 1 and "broken" in shown.output, shown.output
    as_json = runner.invoke(app, ["validate", str(UNSIGNED), "-p", "acme-strings", "--format", "json"])
    assert as_json.exit_code == 1, as_json.output
    assert json.loads(as_json.output)["errors"] == 1


def test_a_third_party_error_given_by_name_stops_the_credential_in_issue(
    registry: dict[str, object], tmp_path: Path
) -> None:
    require_serializers()
    register_profile(Yields("acme-strings", _finding("error")))
    definition = definition_file(tmp_path)
    results = write_csv(tmp_path / "results.csv", learner_rows(1))
    out = tmp_path / "out"
    done = runner.invoke(
        app,
        [
            "issue", str(definition), str(results), "--out", str(out), "--profile", "acme-strings",
            "--valid-from", VALID_FROM.isoformat(), "--no-images",
        ],
    )
    assert done.exit_code == 1, done.output
    assert "broken (/validUntil)" in done.output
    assert not list(out.rglob("*.jsonld"))


class Shaped:
    """An object with the members it is given, as a careless third-party profile might be."""

    def __init__(self, **members: object) -> None:
        self.__dict__.update(members)


def _check(credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
    return []


class ClassProfile:
    name = "acme-class"
    title = "a profile given as its class"

    def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
        return []


class FailingName:
    title = "a profile whose name cannot be read"
    check = staticmethod(_check)

    @property
    def name(self) -> str:
        raise ValueError("no name today")


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (ClassProfile, "ClassProfile is a class"),
        (Shaped(name=None, title="t", check=_check), "name is a non-empty str.*None"),
        (Shaped(name="", title="t", check=_check), "name is a non-empty str"),
        (Shaped(name="  ", title="t", check=_check), "name is a non-empty str"),
        (Shaped(name=3, title="t", check=_check), "name is a non-empty str.*3"),
        (Shaped(title="t", check=_check), "name is a non-empty str"),
        (Shaped(name="acme", check=_check), "title is a str.*'acme'"),
        (Shaped(name="acme", title=None, check=_check), "title is a str.*'acme'"),
        (Shaped(name="acme", title="t"), r"'acme' has no check\(credential"),
        (Shaped(name="acme", title="t", check="yes"), "'acme' has no check"),
        (FailingName(), "could not be read.*ValueError: no name today"),
    ],
)
def test_a_malformed_profile_is_refused_and_the_registry_still_works(
    registry: dict[str, object], profile: object, message: str
) -> None:
    with pytest.raises(ProfileError, match=message):
        register_profile(profile)  # type: ignore[arg-type]
    assert "edc-ap" in base.available_profiles()
    assert all(isinstance(name, str) and name for name in registry)


class Raises:
    """A third-party profile whose check fails, after giving what it is given."""

    title = "fails"

    def __init__(self, name: str, error: BaseException, *findings: object) -> None:
        self.name = name
        self.error = error
        self.findings = findings

    def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
        yield from self.findings  # type: ignore[misc]
        raise self.error


class RaisesAtOnce:
    """A third-party profile whose check fails before it gives anything."""

    name = "acme-at-once"
    title = "fails at once"

    def check(self, credential: ElmNode, *, stage: Stage) -> list[Finding]:
        raise ValueError("no date")


def test_a_failing_check_is_an_error_finding_and_the_other_profiles_still_run(
    registry: dict[str, object],
) -> None:
    register_profile(RaisesAtOnce())
    report = validate(UNSIGNED, profiles=("edc-ap", "acme-at-once", "eu-microcredential"), stage="ready")
    assert report.profiles == ("edc-ap", "acme-at-once", "eu-microcredential")
    assert {f.profile for f in report.findings} >= {"edc-ap", "acme-at-once", "eu-microcredential"}
    failed = [f for f in report.findings if f.code == "acme-at-once/check-failed"]
    assert len(failed) == 1 and failed[0] in report.errors and not report.ok
    assert failed[0].profile == "acme-at-once"
    assert "acme-at-once" in failed[0].message("en") and "ValueError: no date" in failed[0].message("en")
    assert "perfil acme-at-once" in failed[0].message("es") and "ValueError: no date" in failed[0].message("es")
    assert "acme-at-once/check-failed" in str(report)
    assert report.to_json("es")["problems"]


def test_what_a_check_gave_before_failing_is_kept(registry: dict[str, object]) -> None:
    register_profile(Raises("acme-half", KeyError("grade"), _finding("warning")))
    report = validate(UNSIGNED, profiles=("acme-half",), stage="ready")
    assert [(f.code, f.severity) for f in report] == [
        ("acme/rule", Severity.WARNING),
        ("acme-half/check-failed", Severity.ERROR),
    ]
    assert "KeyError: 'grade'" in report.findings[1].message()


def test_a_check_that_gives_no_finding_or_a_bad_one_fails() -> None:
    gives_dict = Raises("acme-dict", ValueError("unreached"), {"code": "acme/x"})
    bad_severity = RaisesAtOnce()
    bad_severity.check = lambda credential, *, stage: [_finding("fatal")]  # type: ignore[method-assign]
    report = validate(UNSIGNED, profiles=(gives_dict, bad_severity), stage="ready")
    assert [f.code for f in report] == ["acme-dict/check-failed", "acme-at-once/check-failed"]
    assert "a dict, not a Finding" in report.findings[0].message()
    assert "ProfileError" in report.findings[1].message() and "'acme/rule'" in report.findings[1].message()


def test_a_profile_class_given_for_a_profile_is_refused_naming_it() -> None:
    class Expiry:
        name = "acme-expiry"
        title = "credentials expire"

        def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
            return []

    for profiles in (Expiry, [Expiry], ["edc-ap", Expiry]):
        with pytest.raises(ProfileError, match="Expiry is a class: give an object of it, not the class"):
            validate(UNSIGNED, profiles=profiles, stage="ready")  # type: ignore[arg-type]
    assert validate(UNSIGNED, profiles=Expiry(), stage="ready").profiles == ("acme-expiry",)


def test_a_profile_object_given_to_validate_is_checked_as_register_profile_checks_it() -> None:
    class Unnamed:
        title = "its name cannot be read"

        @property
        def name(self) -> str:
            raise ValueError("no name today")

        def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
            return []

    for profiles, said in (
        ([Unnamed()], r"Unnamed object's name, title or check could not be read \(ValueError: no name today\)"),
        (Unnamed(), r"could not be read \(ValueError: no name today\)"),
        ([Custom("")], r"a profile's name is a non-empty str; the Custom object's is ''"),
        (["edc-ap", Custom(None)], r"a profile's name is a non-empty str; the Custom object's is None"),  # type: ignore[arg-type]
        ([3], r"a profile is a name or a Profile object, not 3"),
    ):
        with pytest.raises(ProfileError, match=said):
            validate(UNSIGNED, profiles=profiles, stage="ready")  # type: ignore[arg-type]


@pytest.mark.parametrize("profiles", [(), []])
def test_no_profile_at_all_is_refused_rather_than_called_valid(profiles: list[str]) -> None:
    """A list of profiles read from a configuration that came out empty checked nothing."""
    from elmkit.api import pre_seal_check

    with pytest.raises(ProfileError, match=r"no profile to check against.*edc-ap, eu-microcredential"):
        validate(UNSIGNED, profiles=profiles, stage="ready")
    document = json.loads(UNSIGNED.read_text(encoding="utf-8"))
    assert [line.split(": ", 1)[1][:28] for line in pre_seal_check(document, profiles)] == [
        "no profile to check against:"
    ]
    pytest.importorskip("pyshacl")
    shapes = REFERENCE_DIR / "elm/shacl/edc/v3.2/EDC-generic-no-cv.ttl"
    assert validate(UNSIGNED, profiles=profiles, shacl=shapes).profiles == ("shacl",)  # shapes alone


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(3), MemoryError()])
def test_an_interruption_or_lack_of_memory_is_not_reported_as_a_finding(error: BaseException) -> None:
    with pytest.raises(type(error)):
        validate(UNSIGNED, profiles=(Raises("acme-stop", error),), stage="ready")


def test_the_cli_reports_a_failing_check_as_invalid_without_a_traceback(registry: dict[str, object]) -> None:
    register_profile(RaisesAtOnce())
    shown = runner.invoke(app, ["validate", str(UNSIGNED), "-p", "acme-at-once"])
    assert shown.exit_code == 1 and isinstance(shown.exception, SystemExit), shown.output
    assert "acme-at-once/check-failed" in shown.output and "ValueError: no date" in shown.output


PLUGIN = '''
class Good:
    name = "acme-good"
    title = "a profile shipped in a package"

    def check(self, credential, *, stage):
        return []


class Misnamed(Good):
    name = "acme-other-name"


class NeedsArguments(Good):
    name = "acme-needs-arguments"

    def __init__(self, policy):
        self.policy = policy


def make():
    return Good()


NOT_A_PROFILE = 42
'''

ENTRY_POINTS = {
    "acme-good": "acme_plugin_test:Good",
    "acme-from-factory": "acme_plugin_test:make",
    "acme-misnamed": "acme_plugin_test:Misnamed",
    "acme-needs-arguments": "acme_plugin_test:NeedsArguments",
    "acme-not-a-profile": "acme_plugin_test:NOT_A_PROFILE",
    "acme-missing": "acme_plugin_test:Missing",
    "acme-broken": "acme_broken_plugin_test:Profile",
}


@pytest.fixture
def plugin(
    registry: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, object]]:
    """An installed package that declares profiles as entry points (some of them wrong)."""
    (tmp_path / "acme_plugin_test.py").write_text(PLUGIN, encoding="utf-8")
    (tmp_path / "acme_broken_plugin_test.py").write_text("raise ImportError('no rules')\n", encoding="utf-8")
    info = tmp_path / "acme_plugin_test-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugin-test\nVersion: 1.0\n", encoding="utf-8")
    lines = [f"{name} = {value}" for name, value in ENTRY_POINTS.items()]
    (info / "entry_points.txt").write_text(
        f"[{base.ENTRY_POINT_GROUP}]\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    base._entry_points.cache_clear()
    yield registry
    base._entry_points.cache_clear()
    for module in ("acme_plugin_test", "acme_broken_plugin_test"):
        sys.modules.pop(module, None)


def test_an_entry_point_profile_is_loaded_by_its_name(plugin: dict[str, object]) -> None:
    assert set(ENTRY_POINTS) <= set(base.available_profiles())
    good = get_profile("acme-good")
    assert type(good).__name__ == "Good" and get_profile("acme-good") is good
    assert validate(UNSIGNED, profiles=("acme-good",), stage="ready").ok


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("acme-from-factory", r"'acme-from-factory' \(acme_plugin_test:make\).*named 'acme-good'"),
        ("acme-misnamed", r"'acme-misnamed' \(acme_plugin_test:Misnamed\).*named 'acme-other-name'"),
        ("acme-needs-arguments", r"'acme-needs-arguments'.*without arguments: TypeError"),
        ("acme-not-a-profile", r"'acme-not-a-profile'.*gives no profile: a profile's name"),
        ("acme-missing", r"'acme-missing'.*could not be loaded: AttributeError"),
        ("acme-broken", r"'acme-broken'.*could not be loaded: ImportError: no rules"),
    ],
)
def test_an_entry_point_that_gives_no_profile_of_its_name_is_refused_every_time(
    plugin: dict[str, object], name: str, message: str
) -> None:
    for _ in range(2):
        with pytest.raises(ProfileError, match=message):
            get_profile(name)
        assert set(plugin) == {profile.name for profile in builtin.profiles()}
    assert "acme-other-name" not in base.available_profiles()
    shown = runner.invoke(app, ["validate", str(UNSIGNED), "-p", name])
    assert shown.exit_code == 2 and isinstance(shown.exception, SystemExit), shown.output
    assert name in shown.output


def test_one_name_given_by_entry_points_of_two_packages_is_refused_naming_both(
    plugin: dict[str, object], tmp_path: Path
) -> None:
    """Which of them would be loaded depends on the order the packages are found in."""
    other = tmp_path / "acme_other_plugin_test-1.0.dist-info"
    other.mkdir()
    (other / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-other-plugin-test\nVersion: 1.0\n", encoding="utf-8")
    (other / "entry_points.txt").write_text(
        f"[{base.ENTRY_POINT_GROUP}]\nacme-good = acme_plugin_test:make\nacme-not-a-profile = acme_plugin_test:NOT_A_PROFILE\n",
        encoding="utf-8",
    )
    base._entry_points.cache_clear()
    said = r"2 entry points .* named 'acme-good': acme_plugin_test:(Good|make) .*acme_plugin_test:(Good|make) "
    for _ in range(2):
        with pytest.raises(ProfileError, match=said):
            get_profile("acme-good")
    assert "acme-good" in base.available_profiles() and "acme-good" not in plugin
    shown = runner.invoke(app, ["validate", str(UNSIGNED), "-p", "acme-good"])
    assert shown.exit_code == 2 and "acme-plugin-test" in shown.output and "acme-other-plugin-test" in shown.output
    # the same object declared by both is no clash; registering one settles a clash
    with pytest.raises(ProfileError, match=r"'acme-not-a-profile'.*gives no profile"):
        get_profile("acme-not-a-profile")
    register_profile(Custom("acme-good"))
    assert validate(UNSIGNED, profiles=("acme-good",), stage="ready").ok


def test_a_check_gets_the_node_the_document_is_as_the_docs_say() -> None:
    from elmkit.model import Person, VerifiableCredential

    got: list[ElmNode] = []

    class Spy:
        name = "acme-spy"
        title = "remembers what it gets"

        def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
            got.append(credential)
            return []

    report = validate({"type": "Person", "givenName": {"en": "Ann"}}, profiles=(Spy(), "eu-microcredential"))
    assert len(got) == 1 and isinstance(got[0], Person) and not isinstance(got[0], VerifiableCredential)
    assert [f.code for f in report] == ["eu-mc/not-a-credential"]
    validate(UNSIGNED, profiles=(Spy(),))
    assert isinstance(got[1], VerifiableCredential)
    text = " ".join((Path(__file__).parents[1] / "docs" / "profiles.md").read_text(encoding="utf-8").split())
    assert "a `Person` for `{\"type\": \"Person\", …}`" in text
    assert "`isinstance(credential, VerifiableCredential)`, from `elmkit.model`" in text
    assert "(`EuropeanDigitalCredential`), whatever it was given as" not in text


def test_a_profile_named_twice_runs_once() -> None:
    """A list of profiles pasted together gave every finding of the repeated one twice."""
    once = validate(UNSIGNED, profiles=("edc-ap", "eu-microcredential"), stage="sealed")
    assert once.findings
    twice = validate(
        UNSIGNED, profiles=("edc-ap", "eu-microcredential", "edc-ap", "eu-microcredential"),
        stage="sealed",
    )
    assert twice.profiles == once.profiles == ("edc-ap", "eu-microcredential")
    assert [f.to_problem() for f in twice.findings] == [f.to_problem() for f in once.findings]


def test_tables_of_findings_show_each_code_beside_its_source() -> None:
    """The table showed the source instead of the code: a shape's IRI, and no stable code to
    look for in a CI log."""
    report = validate(UNSIGNED, profiles=("edc-ap",), stage="sealed")
    sourced = next(f for f in report.findings if f.source)
    console = Console(record=True, width=400)
    console.print(report.rich_table())
    shown = console.export_text()
    assert sourced.code in shown and sourced.source in shown
    assert f"<code>{sourced.code}</code><br>{sourced.source}" in report._repr_html_()


def test_a_finding_made_without_its_profile_gets_the_name_of_the_profile_that_gave_it(
    registry: dict[str, object],
) -> None:
    register_profile(Yields("acme-strings", _finding("error")))
    given = dataclasses.replace(_finding("warning", "acme/w"), profile="acme-dates")
    register_profile(Yields("acme-named", given))
    report = validate(UNSIGNED, profiles=("acme-strings", "acme-named"), stage="ready")
    assert [(f.code, f.profile) for f in report] == [("acme/rule", "acme-strings"), ("acme/w", "acme-dates")]
    assert report.to_json()["problems"][0]["profile"] == "acme-strings"


def test_the_eu_findings_of_the_spanish_profile_listed_beside_the_eu_profile_come_once() -> None:
    """es-crue-ruepep runs every check of eu-microcredential: listing both gave each EU finding
    twice."""
    both = validate(UNSIGNED, profiles=("eu-microcredential", "es-crue-ruepep"), stage="sealed")
    spanish = validate(UNSIGNED, profiles=("es-crue-ruepep",), stage="sealed")
    eu = validate(UNSIGNED, profiles=("eu-microcredential",), stage="sealed")
    assert any(f.profile == "eu-microcredential" for f in spanish.findings)
    keys = [(f.code, f.path, f.profile) for f in both.findings]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(f.code, f.path, f.profile) for f in (*eu.findings, *spanish.findings)}
