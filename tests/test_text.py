"""Multilingual text: tag normalisation, fallback chains, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elmkit.errors import LanguageTagError
from elmkit.model import NO_LANGUAGE, Concept, LangText
from elmkit.model.text import default_language, normalize_tag, set_default_language, set_fallbacks

SPANISH = ["es", "ca", "ca-ES-valencia", "eu", "gl", "oc-aranes"]
EU_OFFICIAL = ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"]


@pytest.mark.parametrize("tag", SPANISH + EU_OFFICIAL)
def test_first_class_tags_are_kept(tag: str) -> None:
    assert normalize_tag(tag) == tag
    assert LangText({tag: "x"}).languages == (tag,)


@pytest.mark.parametrize(("raw", "norm"), [("EN", "en"), ("en-gb", "en-GB"), ("CA-es-VALENCIA", "ca-ES-valencia"), ("iw", "he")])
def test_normalisation(raw: str, norm: str) -> None:
    assert normalize_tag(raw) == norm


@pytest.mark.parametrize("bad", ["", "e", "123", "en_GB", "en-", " en", "english language", "x"])
def test_malformed_tags(bad: str) -> None:
    with pytest.raises(LanguageTagError):
        LangText({bad: "x"})


@pytest.mark.parametrize(
    ("locale", "tag"),
    [
        ("es_ES", "es-ES"),
        ("ca_ES.UTF-8@valencia", "ca-ES-valencia"),
        ("gl_ES.utf8", "gl-ES"),
        ("eu_ES@euro", "eu-ES"),
        ("es_419", "es-419"),
    ],
)
def test_a_posix_locale_name_is_refused_with_the_tag_to_write(locale: str, tag: str) -> None:
    with pytest.raises(LanguageTagError, match=f"the language tag is {tag}\\)$"):
        normalize_tag(locale)
    assert normalize_tag(tag) == tag


def test_valencian_falls_back_to_catalan_then_spanish() -> None:
    text = LangText({"ca": "Títol", "es": "Título", "en": "Title"})
    assert text.get("ca-ES-valencia") == "Títol"
    assert LangText({"es": "Título", "en": "Title"}).get("ca-ES-valencia") == "Título"
    assert LangText({"en": "Title", "fr": "Titre"}).get("ca-ES-valencia") == "Title"
    assert LangText({"fr": "Titre"}).get("ca-ES-valencia") == "Titre"
    assert LangText({}).get("ca") is None


def test_aranese_chain() -> None:
    assert LangText({"ca": "Títol", "es": "Título"}).get("oc-aranes") == "Títol"
    assert LangText({"oc": "Títol oc", "ca": "Títol"}).get("oc-aranes") == "Títol oc"
    assert LangText({"oc-aranes": "Títol aranés", "ca": "x"}).get("oc-aranes") == "Títol aranés"


def test_configurable_chain() -> None:
    text = LangText({"es": "Título", "pt": "Título pt"})
    assert text.get("gl") == "Título"
    assert text.get("gl", chain=["pt"]) == "Título pt"
    set_fallbacks({"gl": ["pt", "es"]})
    try:
        assert text.get("gl") == "Título pt"
    finally:
        from elmkit.model.text import DEFAULT_FALLBACKS

        set_fallbacks(DEFAULT_FALLBACKS)


def test_plain_string_in_default_language() -> None:
    assert LangText("Hola", lang="es").to_json() == {"es": "Hola"}
    previous = default_language()
    set_default_language("ca")
    try:
        assert LangText("Hola").languages == ("ca",)
    finally:
        set_default_language(previous)


def test_several_values_per_language() -> None:
    text = LangText({"en": ["a", "b"], "es": "c"})
    assert text.get_all("en") == ("a", "b")
    assert text.to_json() == {"en": ["a", "b"], "es": "c"}
    assert text["EN"] == ("a", "b")


@given(st.dictionaries(st.sampled_from(SPANISH + EU_OFFICIAL), st.text(min_size=1), min_size=1))
@settings(max_examples=200, deadline=None)
def test_round_trip(values: dict[str, str]) -> None:
    text = LangText(values)
    assert LangText(text.to_json()) == text
    assert text == values
    for tag, value in values.items():
        assert text.get(tag) == value
        assert text.resolve(tag) == tag


@given(st.sampled_from(SPANISH), st.dictionaries(st.sampled_from([*SPANISH, "en", "fr"]), st.text(min_size=1), min_size=1))
@settings(max_examples=200, deadline=None)
def test_fallback_always_answers_from_present_languages(wanted: str, values: dict[str, str]) -> None:
    text = LangText(values)
    assert text.get(wanted) in values.values()
    chain = text.fallback_chain(wanted)
    assert chain[0] == wanted
    present = [t for t in chain if t in values]
    if present:
        assert text.resolve(wanted) == present[0]


def test_texts_without_a_language() -> None:
    text = LangText({"es": "Curso", NO_LANGUAGE: ["Course", "Kurs"]})
    assert text.languages == ("es",)
    assert text.untagged == ("Course", "Kurs")
    assert NO_LANGUAGE in text and text[NO_LANGUAGE] == ("Course", "Kurs")
    assert text.get("es") == "Curso"
    assert text.get("fr") == "Course"  # an untagged text before any other language
    assert text.to_json() == {"es": "Curso", NO_LANGUAGE: ["Course", "Kurs"]}
    assert text.to_jsonld() == text.to_json()
    assert LangText({NO_LANGUAGE: "Course"}).to_jsonld() == "Course"
    assert LangText({NO_LANGUAGE: ["a", "b"]}).to_jsonld() == ["a", "b"]
    assert LangText(text.to_json()) == text
    assert text.with_text(NO_LANGUAGE, "Other").untagged == ("Other",)
    with pytest.raises(LanguageTagError):
        normalize_tag(NO_LANGUAGE)


def test_a_document_string_has_no_language_but_a_python_string_has_the_default() -> None:
    data = {"type": "Concept", "prefLabel": "Label", "definition": ["one", "two"]}
    read = Concept.from_data(data)
    assert read.pref_label == LangText({NO_LANGUAGE: "Label"})
    assert read.definition is not None and read.definition.untagged == ("one", "two")
    built = Concept(type="Concept", pref_label="Label")
    assert built.pref_label == LangText({default_language(): "Label"})
    assert Concept.model_validate({"type": "Concept", "prefLabel": "Label"}).pref_label == LangText(
        {default_language(): "Label"}
    )
