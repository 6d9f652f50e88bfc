"""Languages of a micro-credential definition: tags, texts, the grading title and the grade."""

from __future__ import annotations

import tomllib
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elmkit.errors import SourceError, UnknownCodeError
from elmkit.microcredentials import LearnerResult, build_credential, load_definition, read_results
from elmkit.microcredentials.build import decimal_text, grading_title
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


def _codes(concepts: Any) -> list[str]:
    """The EU language codes of one concept or a list of them, as JSON-LD writes them."""
    items = concepts if isinstance(concepts, list) else [concepts]
    return [str(c["id"]).rsplit("/", 1)[1] for c in items]


def test_the_languages_taught_in_are_stated_apart_from_those_issued_in() -> None:
    """A Basque-taught course issued with Spanish and English pages was said to be taught in
    all three: ``instruction_languages`` says which; without it the languages issued in are."""
    learner = LearnerResult(learner_id="1", given_name="Ane", passed=True)
    credential = build_credential(
        load_definition(co_official(instruction_languages=["eu"])), learner
    ).to_jsonld()
    assert _codes(credential["credentialSubject"]["hasClaim"]["specifiedBy"]["language"]) == ["EUS"]
    issued_in = ["CAT", "EUS", "GLG", "OCI", "SPA"]
    assert _codes(credential["displayParameter"]["language"]) == issued_in
    default = build_credential(load_definition(co_official()), learner).to_jsonld()
    assert _codes(default["credentialSubject"]["hasClaim"]["specifiedBy"]["language"]) == issued_in
    error = refused(co_official(instruction_languages=["val"]))
    assert error.path == "instruction_languages" and "ca-ES-valencia" in str(error)
    assert refused(co_official(instruction_languages=[])).path == "instruction_languages"


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


@pytest.mark.parametrize(
    ("tag", "said"),
    [
        ("und", "names no language"),
        ("mul", "names no language"),
        ("zxx", "names no language"),
        ("qaa", "names no language"),
        ("x-klingon", "names no language"),
        ("ca-XX", "'XX' in 'ca-XX' is no country or region"),
        ("ca-ZZ", "'ZZ' in 'ca-ZZ' is no country or region"),
        ("ca-ES-foobar", "'foobar' in 'ca-ES-foobar' is no script or variant"),
        ("catalan", "no language of the EU language table"),
        ("cat", "write 'ca'"),
        ("spa", "write 'es'"),
        ("eus", "write 'eu'"),
        ("baq", "write 'eu'"),
        ("glg-ES", "write 'gl-ES'"),
    ],
)
def test_a_language_no_credential_is_written_in_is_refused_naming_it(tag: str, said: str) -> None:
    error = refused(demo(languages=["es", tag]))
    assert error.path == "languages" and said in str(error)
    data = demo()
    data["title"] = {**data["title"], tag: "Títol"}
    error = refused(data)
    assert error.path == f"title.{tag}" and said in str(error)


def test_a_variant_given_twice_is_a_malformed_tag() -> None:
    error = refused(demo(languages=["es", "ca-ES-valencia-valencia"]))
    assert error.path == "languages" and "'valencia' appears twice" in str(error)


@pytest.mark.parametrize(
    "tag", ["es-ES", "es-419", "es-IC", "es-EA", "ca-ES-valencia", "oc-ES-aranes", "ast", "an", "en-GB", "sr-Latn"]
)
def test_registered_tags_are_accepted(tag: str) -> None:
    data = demo(languages=[tag])
    data["title"] = {**data["title"], tag: "Títol"}
    assert load_definition(data).languages == [tag]


# --- the punt volat and Unicode normalisation -----------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [("l\u2027l", "U+2027"), ("l\u2022l", "U+2022"), ("l\u22c5l", "U+22C5"), ("l\u2219l", "U+2219")],
)
@pytest.mark.parametrize("tag", ["ca", "ca-ES-valencia", "oc-aranes"])
def test_a_look_alike_of_the_punt_volat_is_refused_in_catalan_and_occitan(written: str, code: str, tag: str) -> None:
    data = co_official(languages=["es", tag])
    data["title"] = {"es": "Inteligencia", tag: f"Intel{written}igència artificial"}
    error = refused(data)
    assert error.path == f"title.{tag}"
    assert code in str(error) and "l·l" in str(error) and "U+00B7" in str(error)


@pytest.mark.parametrize(
    "text",
    [
        "Intel.ligència artificial",  # the Spanish profile warns: it may be code or a typo
        "Programació en Python: model.load() i nn.functional.linear",
        "Curs de juliol.Les classes comencen aviat",
        "Vol.LII de la revista; portal.lavirtual.cat",
    ],
)
def test_a_full_stop_between_two_l_is_no_refusal_in_a_definition(text: str) -> None:
    data = co_official(languages=["es", "ca"])
    data["title"] = {"es": "Curso", "ca": text}
    assert load_definition(data).title.get("ca") == text


def test_the_punt_volat_look_alikes_are_caught_in_every_text_and_only_where_they_mislead() -> None:
    data = co_official()
    data["learning_outcomes"][0]["title"]["ca-ES-valencia"] = "Analitza la col\u2027lecció"
    assert refused(data).path == "learning_outcomes.0.title.ca-ES-valencia"
    data = co_official()
    data["title"]["es"] = "Intel.ligencia"  # not Catalan or Occitan: not checked
    data["title"]["ca-ES-valencia"] = "Vall.llarga i https://portal.lleida.example/col.lecció, Intel·ligència i Intel\u0140ligència"
    assert load_definition(data).title.get("ca-ES-valencia") == data["title"]["ca-ES-valencia"]


def test_definition_texts_are_nfc_so_the_credential_holds_what_the_page_draws() -> None:
    data = co_official()
    data["title"]["ca-ES-valencia"] = "Intel\u0387ligència i gestio\u0301"  # Greek ano teleia, combining acute
    data["awarding_body"]["legal_name"] = {"es": "Universidad de Cadiz", "eu": "Cadizko Unibertsitatea", "gl": "Universidade de Ca\u0301diz"}
    definition = load_definition(data)
    assert definition.title.get("ca-ES-valencia") == "Intel·ligència i gestió"
    assert definition.awarding_body.legal_name.get("gl") == "Universidade de Cádiz"
    credential = build_credential(definition, LearnerResult(learner_id="A1", given_name="Núria", passed=True))
    texts = [text for _, node in credential.walk() for value in node.__dict__.values() if hasattr(value, "languages") for texts in value.values() for text in texts]
    assert texts and all(unicodedata.is_normalized("NFC", text) for text in texts)
    assert "Intel·ligència i gestió" in texts


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


# --- the grading scheme and the grade ------------------------------------------------------------


def _grading(credential: Any) -> Any:
    assessment = credential.credential_subject.has_claim[0].proven_by[0]
    return assessment


def test_the_default_grading_title_follows_the_scale_and_the_languages() -> None:
    data = co_official()
    data["grading"] = {"pass_mark": 50, "max_grade": 100}
    definition = load_definition(data)
    credential = build_credential(definition, LearnerResult(learner_id="B1", given_name="Ona", grade=66.6666667))
    title = _grading(credential).specified_by.grading_scheme.title
    assert title.to_json() == {
        "ca-ES-valencia": "Escala de qualificació de 0 a 100",
        "eu": "0tik 100erako kalifikazio-eskala",
        "gl": "Escala de cualificación de 0 a 100",
        "oc-aranes": "Escala de qualificacion de 0 a 100",
        "es": "Escala de calificación de 0 a 100",
    }
    assert _grading(credential).grade.note_literal.to_json() == {"ca-ES-valencia": "66,6666667"}


def test_a_grading_title_given_is_kept() -> None:
    definition = load_definition(demo())
    credential = build_credential(definition, LearnerResult(learner_id="B1", given_name="Ona", grade=7))
    title = _grading(credential).specified_by.grading_scheme.title
    assert title.get("es") == "Escala numérica de 0 a 10 (aprobado a partir de 5)"


@pytest.mark.parametrize(
    ("languages", "top", "expected"),
    [
        (["en"], 10, {"en": "Grading scale 0-10"}),
        (["eu"], 20, {"eu": "0tik 20rako kalifikazio-eskala"}),
        (["eu"], 10, {"eu": "0tik 10erako kalifikazio-eskala"}),
        (["ca"], 7.5, {"ca": "Escala de qualificació de 0 a 7,5"}),
        (["ast", "en"], 10, {"es": "Escala de calificación de 0 a 10", "en": "Grading scale 0-10"}),
        (["oc-ES-aranes"], 10, {"oc-ES-aranes": "Escala de qualificacion de 0 a 10"}),
    ],
)
def test_grading_titles(languages: list[str], top: float, expected: dict[str, str]) -> None:
    assert grading_title(languages, top).to_json() == expected


@pytest.mark.parametrize(
    ("grade", "lang", "text"),
    [
        (8.5, "ca-ES-valencia", "8,5"), (8.5, "en", "8.5"), (66.6666667, "es", "66,6666667"),
        (7.25, "gl", "7,25"), (10.0, "eu", "10"), (1e-7, "oc-aranes", "0,0000001"), (0.0, "es", "0"),
        (9.99999999999, "en-GB", "9.99999999999"), (123456.75, "de", "123456,75"),
    ],
)  # fmt: skip
def test_the_grade_is_written_as_given_in_the_language_convention(grade: float, lang: str, text: str) -> None:
    assert decimal_text(grade, lang) == text


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False), st.sampled_from(["ca", "en", "eu"]))
@settings(max_examples=300, deadline=None)
def test_the_grade_text_loses_no_precision(grade: float, lang: str) -> None:
    text = decimal_text(grade, lang)
    assert "e" not in text.lower()
    assert float(text.replace(",", ".")) == grade


def test_a_grade_from_the_results_file_keeps_its_digits(tmp_path: Path) -> None:
    results = tmp_path / "r.csv"
    results.write_text("expediente;nom;nota;data\nB1;Ona;66,6666667;14/06/2026\n", encoding="utf-8")
    (learner,) = read_results(results)
    assert isinstance(learner, LearnerResult)
    definition = load_definition(co_official(grading={"pass_mark": 50, "max_grade": 100}))
    note = _grading(build_credential(definition, learner)).grade.note_literal
    assert note.to_json() == {"ca-ES-valencia": "66,6666667"}


# --- learner ids and names in one Unicode form --------------------------------------------------


def test_ids_and_names_from_results_are_nfc(tmp_path: Path) -> None:
    results = tmp_path / "r.csv"
    results.write_text(
        "expediente;nom;cognoms;nota\nNu\u0301R-1;Nu\u0301ria;Pu\u0301ig;8,5\nN\u00faR-1;N\u00faria;P\u00faig;8,5\n",
        encoding="utf-8",
    )
    first, second = read_results(results)
    assert isinstance(first, LearnerResult) and isinstance(second, LearnerResult)
    assert first.learner_id == second.learner_id == "N\u00faR-1"
    assert first.given_name == "N\u00faria" and first.family_name == "P\u00faig"
    assert all(unicodedata.is_normalized("NFC", v) for v in (first.learner_id, first.given_name, first.full_name))
