"""Languages of a micro-credential definition: tags, texts, the grading title and the grade."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from elmkit.errors import SourceError, UnknownCodeError
from elmkit.microcredentials import LearnerResult, build_credential, load_definition
from elmkit.model import vocab

CO_OFFICIAL = ["ca-ES-valencia", "eu", "gl", "oc-aranes", "es"]


def demo(**changes: Any) -> dict[str, Any]:
    """The demo definition as a mapping, with top-level fields replaced."""
    text = resources.files("elmkit.microcredentials.demo").joinpath("definition.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["awarding_body"].pop("logo")
    data.update(changes)
    return data


def co_official(**changes: Any) -> dict[str, Any]:
    """A definition in Valencian, Basque, Galician, Aranese and Spanish."""
    data = demo(
        languages=CO_OFFICIAL,
        title={tag: f"Títol {tag}" for tag in CO_OFFICIAL},
        description=None,
        prerequisites=None,
        assessment_title=None,
        learning_outcomes=[{"title": {tag: f"Resultat {tag}" for tag in CO_OFFICIAL}}],
    )
    data["grading"] = {"pass_mark": 5}
    for key in ("description", "prerequisites", "assessment_title"):
        data.pop(key)
    data.update(changes)
    return data


def refused(data: dict[str, Any]) -> SourceError:
    with pytest.raises(SourceError) as caught:
        load_definition(data)
    return caught.value


# --- Valencian is ca-ES-valencia, never VAL (Vehes) -----------------------------------------


@pytest.mark.parametrize("guess", ["val", "VAL", "va", "valencià", "valenciano", "x-val", "va-ES"])
def test_a_guess_at_valencian_is_refused_with_the_tag_to_write(guess: str) -> None:
    error = refused(demo(languages=[guess, "es"]))
    assert error.path == "languages"
    assert "ca-ES-valencia" in str(error) and "Vehes" in str(error)


@pytest.mark.parametrize("guess", ["val", "va"])
def test_a_text_tagged_with_a_guess_at_valencian_is_refused(guess: str) -> None:
    data = demo()
    data["title"] = {**data["title"], guess: "Intel·ligència artificial"}
    error = refused(data)
    assert error.path == f"title.{guess}" and "ca-ES-valencia" in str(error)


@pytest.mark.parametrize("guess", ["va", "x-val", "valencià", "valenciano"])
def test_the_language_table_points_a_valencian_guess_at_ca_es_valencia_not_at_vehes(guess: str) -> None:
    with pytest.raises(UnknownCodeError) as caught:
        vocab.language(guess)
    assert "ca-ES-valencia" in str(caught.value)
    assert "close matches" not in str(caught.value) and "VAL (" not in str(caught.value)
    assert vocab.language("ca-ES-valencia").notation == "CAT"


def test_valencian_definitions_are_issued_in_catalan() -> None:
    definition = load_definition(co_official())
    credential = build_credential(definition, LearnerResult(learner_id="A1", given_name="Núria", passed=True))
    display = credential.display_parameter
    assert display is not None and display.primary_language is not None
    assert display.primary_language.id.endswith("/CAT")


# --- one page per EU language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("languages", "named"),
    [
        (["ca", "ca-ES-valencia", "es"], ("'ca'", "'ca-ES-valencia'", "CAT")),
        (["es", "oc-aranes", "oc"], ("'oc-aranes'", "'oc'", "OCI")),
        (["es", "es-ES"], ("'es'", "'es-ES'", "SPA")),
    ],
)
def test_two_languages_with_one_eu_code_are_refused(languages: list[str], named: tuple[str, ...]) -> None:
    error = refused(demo(languages=languages))
    assert error.path == "languages"
    for part in named:
        assert part in str(error)


def test_a_language_outside_the_eu_table_is_named_at_load() -> None:
    error = refused(demo(languages=["es", "xx"]))
    assert error.path == "languages" and "'xx'" in str(error)


# --- texts that show nothing or hold control characters ---------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", "\ufeff", "\u00a0\u2060"])
def test_a_text_that_shows_nothing_is_refused_naming_field_and_language(blank: str) -> None:
    data = co_official()
    data["title"]["ca-ES-valencia"] = blank
    error = refused(data)
    assert error.path == "title.ca-ES-valencia" and "shows nothing" in str(error)

    data = co_official()
    data["learning_outcomes"][0]["title"]["eu"] = blank
    assert refused(data).path == "learning_outcomes.0.title.eu"

    data = co_official()
    data["awarding_body"]["legal_name"]["eu"] = blank
    assert refused(data).path == "awarding_body.legal_name.eu"


@pytest.mark.parametrize("bad", ["\x1b", "\x00", "\x07", "\ufffe", "\x85"])
def test_a_text_with_control_characters_is_refused(bad: str) -> None:
    data = co_official()
    data["title"]["gl"] = f"Título{bad}"
    error = refused(data)
    assert error.path == "title.gl" and f"U+{ord(bad):04X}" in str(error)


def test_tabs_and_line_breaks_are_text() -> None:
    data = co_official()
    data["title"]["gl"] = "Título\tcon\nliñas\r\n"
    assert load_definition(data).title.get("gl") == "Título\tcon\nliñas\r\n"
