"""Multilingual text: tag normalisation, fallback chains, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elmkit.errors import LanguageTagError
from elmkit.model import NO_LANGUAGE, Concept, LangText
from elmkit.model.text import (
    _satisfies,
    bad_characters,
    default_language,
    is_blank,
    normalize_tag,
    set_default_language,
    set_fallbacks,
    two_letter_language,
)

SPANISH = ["es", "ca", "ca-ES-valencia", "eu", "gl", "oc-aranes"]
EU_OFFICIAL = ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"]


@pytest.mark.parametrize("tag", SPANISH + EU_OFFICIAL)
def test_first_class_tags_are_kept(tag: str) -> None:
    assert normalize_tag(tag) == tag
    assert LangText({tag: "x"}).languages == (tag,)


@pytest.mark.parametrize(("raw", "norm"), [("EN", "en"), ("en-gb", "en-GB"), ("CA-es-VALENCIA", "ca-ES-valencia"), ("iw", "iw"), ("I-Klingon", "i-klingon"), ("zh-hant-tw", "zh-Hant-TW")])
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


def test_a_chain_of_one_language_may_be_given_as_its_tag() -> None:
    """``chain="pt"`` is the chain of Portuguese, not of the tags "p" and "t" (which are no
    tags: the call failed naming "p")."""
    text = LangText({"es": "Título", "pt": "Título pt", "ca-ES-valencia": "Títol"})
    assert text.get("gl", chain="pt") == text.get("gl", chain=["pt"]) == "Título pt"
    assert text.resolve("fr", chain="ca") == "ca-ES-valencia"
    assert text.fallback_chain("eu", chain="ca") == ["eu", "ca", "en"]
    set_fallbacks({"gl": "pt"})
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
        if not is_blank(value):  # a text that shows nothing gives way to one that does
            assert text.get(tag) == value
            assert text.resolve(tag) == tag


@given(st.sampled_from(SPANISH), st.dictionaries(st.sampled_from([*SPANISH, "en", "fr"]), st.text(min_size=1), min_size=1))
@settings(max_examples=200, deadline=None)
def test_fallback_always_answers_from_present_languages(wanted: str, values: dict[str, str]) -> None:
    text = LangText(values)
    assert text.get(wanted) in values.values()
    chain = text.fallback_chain(wanted)
    assert chain[0] == wanted
    shown = [tag for tag, value in values.items() if not is_blank(value)]
    answered = [step for step in chain if any(_satisfies(tag, step) for tag in shown)]
    if answered:
        found = text.resolve(wanted)
        assert found is not None and _satisfies(found, answered[0])
        if answered[0] in shown:  # the same tag before another form
            assert found == answered[0]


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


# --- tags are kept as given, in normal case ------------------------------------------------------


@pytest.mark.parametrize("tag", ["tl", "sh", "iw", "ca-Latn-ES", "en-GB-oed", "zh-min-nan", "spa", "cat", "und"])
def test_loading_changes_no_tag_beyond_its_case(tag: str) -> None:
    assert normalize_tag(tag) == tag
    assert normalize_tag(tag.upper()) == tag
    assert LangText({tag: "x"}).languages == (tag,)


def test_tagalog_and_filipino_stay_two_languages() -> None:
    text = LangText({"tl": "V", "fil": "W"})
    assert text.to_json() == {"tl": "V", "fil": "W"}


@pytest.mark.parametrize(
    "tag", ["i-klingon", "i-default", "i-enochian", "sgn-BE-FR", "art-lojban", "zh-xiang", "en-GB-oed"]
)
def test_grandfathered_tags_are_well_formed(tag: str) -> None:
    assert normalize_tag(tag) == tag
    assert LangText({tag: "K"}).get(tag) == "K"


@pytest.mark.parametrize("bad", ["en-a", "ca-ES-x", "a-bc", "en--GB", "ca-valència", "i-unknown"])
def test_tags_that_break_rfc_5646_syntax_are_malformed(bad: str) -> None:
    with pytest.raises(LanguageTagError):
        normalize_tag(bad)


@pytest.mark.parametrize(("one", "other"), [("ca", "CA"), ("ca-ES-valencia", "CA-es-VALENCIA"), ("en-gb", "EN-GB")])
def test_two_keys_for_one_tag_with_different_texts_are_refused(one: str, other: str) -> None:
    with pytest.raises(LanguageTagError, match=f"{one!r} and {other!r} are the same tag"):
        LangText({one: "A", other: "B"})
    assert LangText({one: "A", other: "A"}).to_json() == {normalize_tag(one): "A"}


def test_keys_that_are_other_tags_are_not_merged() -> None:
    assert LangText({"iw": "A", "he": "B"}).to_json() == {"iw": "A", "he": "B"}
    assert LangText({"spa": "A", "es": "B"}).get("es") == "B"


# --- one fallback algorithm -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("eu", "ES"), ("eu-ES", "ES"), ("gl", "ES"), ("gl-ES", "ES"), ("ca", "ES"), ("ca-ES", "ES"),
        ("oc-aranes", "ES"), ("oc-ES-aranes", "ES"), ("ca-valencia", "ES"), ("ca-ES-valencia", "ES"),
        ("ast-ES", "ES"), ("fr-FR", "EN"),
    ],
)  # fmt: skip
def test_a_region_or_variant_reaches_the_fallbacks_of_its_language(wanted: str, expected: str) -> None:
    assert LangText({"en": "EN", "es": "ES"}).get(wanted) == expected


def test_chains_of_region_and_variant_forms() -> None:
    assert LangText().fallback_chain("gl-ES") == ["gl-ES", "gl", "es", "pt", "en"]
    assert LangText().fallback_chain("oc-ES-aranes") == ["oc-ES-aranes", "oc-aranes", "oc-ES", "oc", "ca", "es", "en"]
    assert LangText().fallback_chain("ca-ES-valencia") == ["ca-ES-valencia", "ca-valencia", "ca-ES", "ca", "es", "en"]
    assert LangText({"pt": "P", "en": "E"}).get("gl-ES") == "P"


def test_the_same_variant_in_another_form_comes_before_the_bare_language() -> None:
    assert LangText({"ca-valencia": "Valencià", "ca": "Català", "es": "E"}).get("ca-ES-valencia") == "Valencià"
    assert LangText({"ca-ES-valencia": "Valencià", "ca": "Català"}).get("ca-valencia") == "Valencià"
    assert LangText({"oc": "Occitan", "oc-aranes": "Aranés"}).get("oc-ES-aranes") == "Aranés"
    assert LangText({"ca-ES": "Català", "ca-valencia": "Valencià"}).get("ca-ES-valencia") == "Valencià"


def test_any_catalan_text_answers_the_catalan_step_of_a_chain() -> None:
    text = LangText({"ca-ES-valencia": "Universitat de Prova", "es": "Universidad de Prueba"})
    assert text.get("oc-aranes") == "Universitat de Prova"
    assert text.get("ca") == "Universitat de Prova"
    assert LangText({"ca-ES": "A", "ca": "B"}).get("ca") == "B"  # the same tag first


def test_page_labels_follow_the_text_chain() -> None:
    from elmkit.render.labels import LABELS, fallback_chain, resolve_language

    for wanted in ("eu-ES", "gl-ES", "ca-ES", "ca-valencia", "oc-ES-aranes", "oc", "ast", "pt-BR", "fr-CA", "de-AT"):
        assert list(fallback_chain(wanted)) == LangText().fallback_chain(wanted)
        texts = LangText({tag: tag for tag in LABELS})
        assert resolve_language(wanted) == texts.resolve(wanted)


# --- texts that show nothing -------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", " ", "\u200b", "\ufeff", "\u00a0\u2060", "\t\n"])
def test_a_text_that_shows_nothing_falls_back(blank: str) -> None:
    assert is_blank(blank)
    text = LangText({"ca-ES-valencia": blank, "ca": "Català", "es": "Castellano"})
    assert text.get("ca-ES-valencia") == "Català"
    assert text.resolve("ca-ES-valencia") == "ca"
    assert LangText({"eu": blank, "es": "E"}).get("eu") == "E"
    assert LangText({"eu": [blank, "Euskara"]}).get("eu") == "Euskara"
    assert LangText({"eu": blank}).get("eu") == blank  # nothing better to give


@pytest.mark.parametrize("text", ["a", "l·l", "\u200bx", "·", "-"])
def test_a_text_with_a_visible_character_is_not_blank(text: str) -> None:
    assert not is_blank(text)


@pytest.mark.parametrize(
    ("text", "bad"),
    [("Título\x1b", ["\x1b"]), ("a\x00b\x07", ["\x00", "\x07"]), ("x\ufffe", ["\ufffe"]), ("\U0010ffff", ["\U0010ffff"]),
     ("\ufdd0", ["\ufdd0"]), ("\x85", ["\x85"]), ("a\tb\nc\r", [])],
)  # fmt: skip
def test_characters_no_text_should_hold(text: str, bad: list[str]) -> None:
    assert bad_characters(text) == bad


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())) | st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_the_fast_check_of_characters_agrees_with_the_pattern(text: str) -> None:
    from elmkit.model.text import _BAD_CHARACTER, bad_characters, has_bad_characters

    assert has_bad_characters(text) is (_BAD_CHARACTER.search(text) is not None)
    assert bad_characters(text) == list(dict.fromkeys(_BAD_CHARACTER.findall(text)))


# --- repeated subtags; three-letter codes of languages with a two-letter one ---------------------


@pytest.mark.parametrize(
    ("bad", "twice"),
    [
        ("ca-ES-valencia-valencia", "valencia"),
        ("CA-valencia-VALENCIA", "valencia"),
        ("de-1901-1901", "1901"),
        ("oc-aranes-fonipa-aranes", "aranes"),
        ("en-a-bbb-a-ccc", "a"),
    ],
)
def test_a_repeated_variant_or_singleton_is_malformed(bad: str, twice: str) -> None:
    with pytest.raises(LanguageTagError, match=f"'{twice}' appears twice"):
        normalize_tag(bad)
    with pytest.raises(LanguageTagError):
        LangText({bad: "x"})


@pytest.mark.parametrize(
    "tag", ["ca-ES-valencia", "sl-rozaj-biske-1994", "en-a-bbb-b-ccc", "ca-x-valencia-valencia", "en-u-ca-ca"]
)
def test_distinct_variants_and_private_use_repeats_are_well_formed(tag: str) -> None:
    assert normalize_tag(tag) == tag


@pytest.mark.parametrize(
    ("code", "short"),
    [("cat", "ca"), ("spa", "es"), ("eng", "en"), ("eus", "eu"), ("baq", "eu"), ("glg", "gl"), ("oci", "oc"), ("arg", "an"), ("CAT", "ca")],
)
def test_three_letter_codes_of_languages_with_a_two_letter_one(code: str, short: str) -> None:
    assert two_letter_language(code) == short


@pytest.mark.parametrize("code", ["ast", "cmn", "zsm", "tgl", "val", "und", "ca", "xyz9"])
def test_other_codes_have_no_two_letter_form(code: str) -> None:
    assert two_letter_language(code) is None


def test_a_three_letter_code_answers_for_its_language_and_keeps_its_tag() -> None:
    text = LangText({"cat": "Títol", "spa": "Título"})
    assert text.languages == ("cat", "spa")
    assert text.get("ca") == "Títol" and text.get("ca-ES-valencia") == "Títol"
    assert text.get("es") == "Título" and text.get("eu") == "Título"
    assert LangText({"ca": "Títol", "en": "Title", "es": "Título"}).get("cat") == "Títol"
    assert LangText({"eu": "Izenburua", "es": "Título"}).get("baq") == "Izenburua"
    assert LangText().fallback_chain("cat") == ["cat", "ca", "ca-ES-valencia", "es", "en"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("(col.lecció)", ["l.l"]),
        ("[instal.lació]", ["l.l"]),
        ("col.lecció\ti.e.", ["l.l"]),
        ("model.load()", []),
        ("(model.load())", []),
        ("juliol.Les", []),
    ],
)
def test_a_full_stop_between_two_l_is_found_in_brackets_and_before_a_tab(text: str, found: list[str]) -> None:
    from elmkit.model.text import punt_volat_lookalikes

    assert punt_volat_lookalikes(text) == found


@pytest.mark.parametrize("text", [5, None, ["x", 3]])
def test_with_text_checks_the_text_as_the_constructor_does(text: Any) -> None:
    with pytest.raises(LanguageTagError, match="'fr'"):
        LangText({"en": "A", "fr": "B"}).with_text("fr", text)
    assert dict(LangText({"en": "A"}).with_text("ca-es", ["B", "C"])) == {
        "en": ("A",),
        "ca-ES": ("B", "C"),
    }


@pytest.mark.parametrize("reverse", [False, True])
def test_the_closest_tag_answers_a_step_whatever_the_order(reverse: bool) -> None:
    items = [("ca-ES-valencia", "Vicent"), ("ca-ES", "Vicenç"), ("de", "Vinzenz")]
    text = LangText(dict(reversed(items) if reverse else items))
    assert (text.get("ca"), text.get("ca-AD"), text.get("ca-ES-valencia")) == (
        "Vicenç",
        "Vicenç",
        "Vicent",
    )
    assert text.get("fi") == ("Vinzenz" if reverse else "Vicent")  # any: the first given
    spanish = LangText({"es-ES": "España", "es-419": "Latinoamérica"})
    assert spanish.get("es") == "España"  # as long a tag: the first given, not the alphabet's
