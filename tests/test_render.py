"""Display pages: labels and dates per language, fonts, layout bounds, JPEG output, JSON-LD nodes."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import fields
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ELM_DIR, REFERENCE_DIR, SAMPLES_DIR
from elmkit.errors import ElmError, LanguageTagError, ModelError
from elmkit.render import (
    BASE64_ENCODING,
    JPEG_CONTENT_TYPE,
    LABELS,
    SUPPORTED_LANGUAGES,
    FontError,
    FontSet,
    InvalidImageError,
    PageData,
    PageLabels,
    RenderError,
    RenderUnavailableError,
    default_fonts,
    fallback_chain,
    font_coverage,
    format_date,
    format_number,
    individual_display,
    labels_for,
    layout_page,
    media_object,
    missing_characters,
    render_page,
    resolve_language,
)

needs_pil = pytest.mark.skipif(
    importlib.util.find_spec("PIL") is None, reason="the render extra (Pillow) is not installed"
)

REQUIRED = ("en", "es", "ca", "ca-ES-valencia", "eu", "gl", "oc-aranes", "fr", "de", "it", "pt")

# Every letter and sign that Spanish, Catalan, Valencian, Basque, Galician and Aranese need,
# lower and upper case, plus the typography the pages use.
SPECIAL = (
    "ñÑçÇ·ŀĿ"  # Spanish/Galician/Basque ñ; Catalan ç and the punt volat (l·l, ŀl)
    "àÀèÈéÉíÍïÏòÒóÓúÚüÜáÁ"  # Catalan, Valencian, Aranese, Spanish, Galician vowels
    "¡¿ºª"  # Spanish/Galician punctuation and ordinals
    "’‘“”«»—–…•€"  # apostrophe, quotes, dashes, ellipsis, bullet
)


def _logo_png(width: int = 400, height: int = 200, alpha: bool = True) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA" if alpha else "RGB", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    draw.ellipse((4, 4, side - 4, side - 4), fill=(180, 30, 50, 255))
    if width > side + 20:
        draw.rectangle((side + 10, height // 3, width - 4, height // 2), fill=(40, 40, 40, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _long_page(logo: bytes | None = None) -> PageData:
    return PageData(
        title=(
            "Microcredencial en Intel·ligència Artificial Aplicada a la Gestió Sostenible de "
            "l’Aigua, dels Ecosistemes Fluvials i de les Zones Humides del Pirineu i d’Aran " * 3
        ),
        learner_name="Maria Lluïsa Puigcorbé i Cortès-Ferrà de la Vall d’Àneu " * 4,
        awarding_body="Universitat Politècnica de Catalunya · BarcelonaTech — Escola " * 5,
        logo=logo,
        issue_date=date(2026, 12, 4),
        ects=7.5,
        workload_hours=187.5,
        eqf_level=6,
        learning_outcomes=[
            f"Resultat {i}: aplica tècniques d’aprenentatge automàtic a sèries temporals "
            "hidrològiques i comunica’n els resultats a col·lectius no especialistes. " * 3
            for i in range(40)
        ],
        description="Ha superat amb èxit el programa de formació permanent. " * 10,
        credential_id="urn:epass:credential:" + "7f3c1a2e" * 40,
        part_of="Grau en Enginyeria de Sistemes Biològics i Gestió de Recursos Hídrics " * 4,
    )


def _short_page(**changes: Any) -> PageData:
    values: dict[str, Any] = {
        "title": "Data Literacy",
        "learner_name": "Ana Andromeda",
        "awarding_body": "University of Zed",
        "issue_date": date(2026, 12, 4),
        "credential_id": "urn:epass:credential:1",
    }
    values.update(changes)
    return PageData(**values)


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# -- labels ---------------------------------------------------------------------------------


def test_every_required_language_has_a_complete_table() -> None:
    for tag in REQUIRED:
        assert tag in LABELS, tag
        labels = LABELS[tag]
        for f in fields(PageLabels):
            value = getattr(labels, f.name)
            if isinstance(value, str) and f.name != "decimal_separator":
                assert value.strip(), (tag, f.name)
        assert len(set(labels.months)) == 12, tag
        assert labels.part_of and labels.part_of.strip(), tag
        assert labels.more.format(n=3).count("3") == 1
    assert set(REQUIRED) <= set(SUPPORTED_LANGUAGES)


def test_labels_differ_from_english_where_translated() -> None:
    english = LABELS["en"]
    for tag in REQUIRED[1:]:
        labels = LABELS[tag]
        assert labels.awarded_to != english.awarded_to, tag
        assert labels.learning_outcomes != english.learning_outcomes, tag
        assert labels.months != english.months, tag


def test_fallback_chains() -> None:
    assert fallback_chain("ca-ES-valencia")[-3:] == ("ca", "es", "en")
    assert fallback_chain("ca-ES-valencia")[0] == "ca-ES-valencia"
    chain = fallback_chain("oc-aranes")
    assert chain == ("oc-aranes", "oc", "ca", "es", "en")
    assert resolve_language("CA-es-VALENCIA") == "ca-ES-valencia"
    assert resolve_language("ca_ES_valencia") == "ca-ES-valencia"
    assert resolve_language("ca-valencia") == "ca-ES-valencia"
    assert resolve_language("oc-ES-aranes") == "oc-aranes"
    assert resolve_language("oc") == "oc-aranes"  # Occitan labels, not Catalan ones
    assert resolve_language("ca-ES") == "ca"
    assert resolve_language("pt-BR") == "pt"
    assert resolve_language("ast") == "es"
    assert resolve_language("fi") == "en"
    assert resolve_language("EN-gb") == "en"
    for tag in REQUIRED:
        assert resolve_language(tag) == tag
        assert fallback_chain(tag)[-1] == "en"


@pytest.mark.parametrize(
    ("tag", "table"),
    [("cat", "ca"), ("spa", "es"), ("eng", "en"), ("eus", "eu"), ("baq", "eu"), ("glg", "gl"),
     ("CAT-ES", "ca"), ("cat-ES-valencia", "ca-ES-valencia"), ("fre", "fr"), ("iw", "en"), ("he", "en")],
)
def test_labels_of_a_tag_kept_as_given_are_those_of_the_language_it_names(tag: str, table: str) -> None:
    assert resolve_language(tag) == table
    assert labels_for(tag) is LABELS[table]


@pytest.mark.parametrize("bad", ["", "-", "ca--ES", "ca-ES-valència", "x" * 9, "ca ES", "ca-ES-valencia-valencia"])
def test_malformed_language_tags(bad: str) -> None:
    with pytest.raises(LanguageTagError):
        resolve_language(bad)


def test_labels_for_overrides() -> None:
    labels = labels_for("ca", {"awarded_to": "Conferit a"})
    assert labels.awarded_to == "Conferit a"
    assert labels.awarded_by == LABELS["ca"].awarded_by
    with pytest.raises(ModelError):
        labels_for("ca", {"awarded_too": "x"})
    with pytest.raises(ModelError):
        labels_for("ca", {"awarded_to": ""})
    with pytest.raises(ModelError):
        labels_for("ca", {"months": ("gener",)})
    with pytest.raises(ModelError):
        labels_for("ca", {"more": "més"})
    with pytest.raises(ModelError):
        labels_for("ca", {"date_style": "klingon"})
    with pytest.raises(ModelError):
        labels_for("ca", {"hours": 3})


@pytest.mark.parametrize(
    ("tag", "day", "expected"),
    [
        ("en", date(2026, 12, 4), "4 December 2026"),
        ("es", date(2026, 12, 4), "4 de diciembre de 2026"),
        ("ca", date(2026, 12, 4), "4 de desembre de 2026"),
        ("ca", date(2026, 4, 4), "4 d’abril de 2026"),
        ("ca", date(2026, 8, 1), "1 d’agost de 2026"),
        ("ca", date(2026, 10, 31), "31 d’octubre de 2026"),
        ("ca-ES-valencia", date(2026, 12, 4), "4 de desembre de 2026"),
        ("eu", date(2026, 12, 4), "2026ko abenduaren 4a"),
        ("eu", date(2025, 1, 1), "2025eko urtarrilaren 1a"),
        ("eu", date(2030, 6, 15), "2030eko ekainaren 15a"),
        ("gl", date(2026, 12, 4), "4 de decembro de 2026"),
        ("gl", date(2026, 7, 25), "25 de xullo de 2026"),
        ("oc-aranes", date(2026, 12, 4), "4 de deseme de 2026"),
        ("oc-aranes", date(2026, 2, 14), "14 de hereuèr de 2026"),
        ("oc-aranes", date(2026, 10, 3), "3 d’octobre de 2026"),
        ("oc-aranes", date(2026, 4, 20), "20 d’abriu de 2026"),
        ("fr", date(2026, 12, 1), "1er décembre 2026"),
        ("fr", date(2026, 8, 15), "15 août 2026"),
        ("de", date(2026, 3, 4), "4. März 2026"),
        ("it", date(2026, 12, 1), "1º dicembre 2026"),
        ("pt", date(2026, 3, 4), "4 de março de 2026"),
    ],
)
def test_dates_per_language(tag: str, day: date, expected: str) -> None:
    assert format_date(day, labels_for(tag)) == expected


_EU_UNITS = (
    "", "bat", "bi", "hiru", "lau", "bost", "sei", "zazpi", "zortzi", "bederatzi", "hamar",
    "hamaika", "hamabi", "hamahiru", "hamalau", "hamabost", "hamasei", "hamazazpi",
    "hemezortzi", "hemeretzi",
)  # fmt: skip
_EU_TWENTIES = ("", "hogei", "berrogei", "hirurogei", "laurogei")
_EU_HUNDREDS = (
    "", "ehun", "berrehun", "hirurehun", "laurehun", "bostehun", "seiehun", "zazpiehun",
    "zortziehun", "bederatziehun",
)  # fmt: skip


def _basque_words(n: int) -> str:
    """Basque numerals written out (vigesimal below 100), for 1..9999."""
    parts: list[str] = []
    if n >= 1000:
        parts.append("mila" if n // 1000 == 1 else f"{_EU_UNITS[n // 1000]} mila")
    if (n // 100) % 10:
        parts.append(_EU_HUNDREDS[(n // 100) % 10])
    rest = n % 100
    if rest:
        twenties, units = divmod(rest, 20)
        if twenties and units:
            words = f"{_EU_TWENTIES[twenties]}ta {_EU_UNITS[units]}"
        else:
            words = _EU_TWENTIES[twenties] or _EU_UNITS[units]
        parts.append(("eta " if parts else "") + words)
    return " ".join(parts)


@given(st.integers(min_value=1000, max_value=9999))
def test_basque_year_suffix_follows_the_spoken_number(year: int) -> None:
    spoken = _basque_words(year)
    suffix = "eko" if spoken[-1] not in "aeiou" else "ko"
    assert format_date(date(year, 5, 2), LABELS["eu"]).startswith(f"{year}{suffix} ")


def test_numbers_per_language() -> None:
    assert format_number(7.5, LABELS["ca"]) == "7,5"
    assert format_number(7.5, LABELS["en"]) == "7.5"
    assert format_number(6.0, LABELS["eu"]) == "6"
    assert format_number(187.25, LABELS["es"]) == "187,25"
    # credits are shown as the credential states them, hours to two decimals
    assert format_number(1.125, LABELS["es"], exact=True) == "1,125"
    assert format_number(6.0, LABELS["es"], exact=True) == "6"
    assert format_number(60.0, LABELS["en"], exact=True) == "60"
    assert format_number(0.00005, LABELS["en"], exact=True) == "0.00005"
    assert format_number(0.333333, LABELS["de"]) == "0,33"
    with pytest.raises(ModelError):
        format_number(float("nan"), LABELS["en"])


# -- fonts ----------------------------------------------------------------------------------


def test_bundled_fonts_cover_every_special_letter() -> None:
    fonts = default_fonts()
    for path in (fonts.regular, fonts.bold):
        covered = font_coverage(path)
        missing = [ch for ch in SPECIAL if ord(ch) not in covered]
        assert not missing, (path.name, missing)
        for label in LABELS.values():
            text = "".join(str(getattr(label, f.name)) for f in fields(PageLabels))
            text += "".join(label.months)
            assert all(ord(ch) in covered for ch in text if not ch.isspace()), path.name
    assert missing_characters(SPECIAL) == frozenset()
    assert missing_characters("中文 ok") == {"中", "文"}
    assert (fonts.regular.parent / "LICENSE-DejaVu.txt").is_file()


@needs_pil
def test_special_letters_draw_real_glyphs() -> None:
    from PIL import ImageFont

    fonts = default_fonts()
    for path in (fonts.regular, fonts.bold):
        font = ImageFont.truetype(str(path), 40, layout_engine=ImageFont.Layout.BASIC)
        notdef = bytes(font.getmask("\U000e0fff"))
        for ch in SPECIAL:
            mask = font.getmask(ch)
            assert mask.getbbox() is not None, (path.name, ch)
            assert bytes(mask) != notdef, (path.name, ch)


@pytest.mark.oracle
def test_cmap_reader_agrees_with_fontconfig() -> None:
    fc_query = shutil.which("fc-query")
    if fc_query is None:
        pytest.skip("fc-query is not installed")
    fonts = default_fonts()
    for path in (fonts.regular, fonts.bold):
        out = subprocess.run(
            [fc_query, "--format=%{charset}", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        expected: set[int] = set()
        for part in out.split():
            first, _, last = part.partition("-")
            expected.update(range(int(first, 16), int(last or first, 16) + 1))
        assert font_coverage(path) == frozenset(expected)


def test_bad_fonts(tmp_path: Path) -> None:
    with pytest.raises(FontError):
        FontSet(tmp_path / "missing.ttf", default_fonts().bold)
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all" * 10)
    with pytest.raises(FontError):
        font_coverage(junk)
    truncated = tmp_path / "truncated.ttf"
    truncated.write_bytes(default_fonts().regular.read_bytes()[:2000])
    with pytest.raises(FontError):
        font_coverage(truncated)


# -- page data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "   "},
        {"learner_name": 42},
        {"eqf_level": 9},
        {"eqf_level": 0},
        {"eqf_level": True},
        {"ects": -1},
        {"ects": float("inf")},
        {"workload_hours": "10"},
        {"learning_outcomes": "one outcome"},
        {"learning_outcomes": ["ok", 3]},
        {"issue_date": "2026-12-04"},
        {"logo": "logo.png"},
        {"labels": {"awarded_to": "x"}},
    ],
)
def test_page_data_rejects_bad_values(changes: dict[str, Any]) -> None:
    with pytest.raises(ModelError):
        _short_page(**changes)


def test_page_data_cleans_text() -> None:
    data = _short_page(
        title="  Data\n\tLiteracy  ",
        learning_outcomes=["  a  b ", "", "   "],
        learner_name="Jose\u0301 Nun\u0303ez",
        awarding_body="Universitat\u00a0de\u200b Vic\x00",
        description="Intel\u00adligència",
    )
    assert data.title == "Data Literacy"
    assert data.awarding_body == "Universitat de Vic"
    assert data.description == "Intelligència"
    assert data.learning_outcomes == ("a b",)
    assert data.learner_name == "José Nuñez"


# -- layout ---------------------------------------------------------------------------------


def _assert_tidy(layout: Any) -> None:
    content = layout.content_box
    assert _inside(content, (0, 0, layout.width, layout.height))
    for text in layout.texts:
        assert _inside(text.box, content), (text.role, text.text, text.box, content)
    boxes = [t.box for t in layout.texts if t.text.strip()]
    if layout.logo_box is not None:
        assert _inside(layout.logo_box, content)
        boxes.append(layout.logo_box)
    for a, b in combinations(boxes, 2):
        assert not _overlap(a, b), (a, b)


@needs_pil
@pytest.mark.parametrize("language", ["ca", "eu", "oc-aranes", "es"])
def test_long_inputs_stay_inside_the_page(language: str) -> None:
    layout = layout_page(_long_page(_logo_png()), language=language)
    _assert_tidy(layout)
    assert layout.outcomes_total == 40
    assert 0 < layout.outcomes_shown < 40
    more = [t.text for t in layout.texts if t.role == "outcomes_more"]
    expected = LABELS[resolve_language(language)].more.format(n=40 - layout.outcomes_shown)
    assert more == [expected]
    assert any(t.text.endswith("…") for t in layout.texts if t.role == "title")
    assert any(t.text.endswith("…") for t in layout.texts if t.role == "outcome")
    assert "…" in next(t.text for t in layout.texts if t.role == "credential_id")
    assert layout.missing_characters == frozenset()


_letters = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzñçàèéíïòóúüÁÉÑ·’¿¡ºªWMmw-.,"),
    min_size=1,
    max_size=40,
)
_texts = st.lists(_letters, min_size=1, max_size=30).map(" ".join)


@needs_pil
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_texts,
    name=_texts,
    body=_texts,
    outcomes=st.lists(_texts, max_size=25),
    description=st.none() | _texts,
    part_of=st.none() | _texts,
    ects=st.none() | st.floats(min_value=0, max_value=1e6),
    hours=st.none() | st.floats(min_value=0, max_value=1e7),
    eqf=st.none() | st.integers(min_value=1, max_value=8),
    language=st.sampled_from(REQUIRED),
    width=st.sampled_from([600, 1000, 1754]),
    logo_shape=st.none() | st.sampled_from([(400, 100), (100, 400), (50, 50)]),
)
def test_any_input_stays_inside_the_page(
    title: str,
    name: str,
    body: str,
    outcomes: list[str],
    description: str | None,
    part_of: str | None,
    ects: float | None,
    hours: float | None,
    eqf: int | None,
    language: str,
    width: int,
    logo_shape: tuple[int, int] | None,
) -> None:
    data = PageData(
        title=title,
        learner_name=name,
        awarding_body=body,
        issue_date=date(2026, 9, 28),
        credential_id="urn:epass:credential:" + title[:60],
        logo=_logo_png(*logo_shape) if logo_shape else None,
        ects=ects,
        workload_hours=hours,
        eqf_level=eqf,
        learning_outcomes=outcomes,
        description=description,
        part_of=part_of,
    )
    layout = layout_page(data, language=language, width_px=width)
    _assert_tidy(layout)
    assert layout.height == round(width * 210 / 297)
    shown = [t for t in layout.texts if t.role == "outcome_bullet"]
    assert len(shown) == layout.outcomes_shown <= len(data.learning_outcomes)
    if layout.outcomes_shown < len(data.learning_outcomes):
        assert any(t.role == "outcomes_more" for t in layout.texts)


@needs_pil
def test_page_shows_labels_date_and_facts_in_its_language() -> None:
    data = _short_page(ects=6, workload_hours=150, eqf_level=6, learning_outcomes=["Analitza."])
    layout = layout_page(data, language="ca-ES-valencia")
    texts = {t.role: t.text for t in layout.texts}
    labels = LABELS["ca-ES-valencia"]
    assert texts["awarded_to_label"] == labels.awarded_to
    assert texts["awarded_by_label"] == labels.awarded_by
    assert texts["outcomes_heading"] == labels.learning_outcomes
    assert texts["credential_id"] == f"{labels.credential_id}: urn:epass:credential:1"
    values = [t.text for t in layout.texts if t.role == "fact_value"]
    names = [t.text for t in layout.texts if t.role == "fact_label"]
    assert values == ["4 de desembre de 2026", "6", "150", "6"]
    assert names == [labels.date_of_issue, labels.ects_credits, labels.hours, labels.eqf_level]
    assert layout.language == "ca-ES-valencia"
    # credits as the credential states them (1.125, not 1,12); hours to two decimals
    exact = layout_page(_short_page(ects=1.125, workload_hours=28.125), language="es")
    assert [t.text for t in exact.texts if t.role == "fact_value"][1:] == ["1,125", "28,12"]
    # Optional facts are left out when unknown; a short page keeps every outcome.
    small = layout_page(_short_page(), language="eu")
    assert [t.text for t in small.texts if t.role == "fact_value"] == ["2026ko abenduaren 4a"]
    assert small.outcomes_shown == small.outcomes_total == 0


@needs_pil
def test_page_names_the_programme_a_module_is_part_of() -> None:
    def shown(data: PageData, language: str, labels: PageLabels | None = None) -> list[str]:
        layout = layout_page(data, language=language, labels=labels)
        return [t.text for t in layout.texts if t.role == "part_of"]

    degree = _short_page(part_of="Grao en Mestre de Educación Infantil")
    assert shown(degree, "gl") == ["Parte de: Grao en Mestre de Educación Infantil"]
    assert shown(degree, "eu") == ["Programa: Grao en Mestre de Educación Infantil"]
    assert shown(_short_page(), "gl") == []
    # labels made before part_of existed get the page language's; an override wins
    catalan = LABELS["ca"]
    made = PageLabels(**{f.name: getattr(catalan, f.name) for f in fields(PageLabels) if f.name != "part_of"})
    assert made.part_of is None
    assert shown(degree, "ca", made) == ["Part de: Grao en Mestre de Educación Infantil"]
    override = labels_for("es", {"part_of": "Módulo del"})
    assert shown(degree, "es", override) == ["Módulo del: Grao en Mestre de Educación Infantil"]


@needs_pil
def test_custom_labels_win() -> None:
    custom = labels_for("es", {"awarded_to": "Concedido a"})
    layout = layout_page(_short_page(), language="es", labels=custom)
    assert any(t.text == "Concedido a" for t in layout.texts)
    layout = layout_page(_short_page(labels=custom), language="fr")
    assert any(t.text == "Concedido a" for t in layout.texts)


@needs_pil
def test_longer_titles_get_smaller_never_larger() -> None:
    sizes = []
    for words in (2, 8, 16, 30, 60):
        data = _short_page(title=" ".join(["Sostenibilitat"] * words))
        layout = layout_page(data, language="ca")
        title = [t for t in layout.texts if t.role == "title"]
        assert len(title) <= 3
        sizes.append(title[0].size)
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > sizes[-1]


@needs_pil
def test_logo_keeps_its_aspect_ratio() -> None:
    for width, height in ((600, 150), (120, 480), (20, 20)):
        layout = layout_page(_short_page(logo=_logo_png(width, height)), language="en")
        assert layout.logo_box is not None
        x0, y0, x1, y1 = layout.logo_box
        assert abs((x1 - x0) / (y1 - y0) - width / height) < 0.05 * width / height + 0.02


@needs_pil
def test_bad_logos_are_rejected() -> None:
    from PIL import Image

    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    for logo in (b"not an image", gif.getvalue(), _logo_png()[:100]):
        with pytest.raises(InvalidImageError):
            render_page(_short_page(logo=logo), language="en")


# -- JPEG -----------------------------------------------------------------------------------


def _open(jpeg: bytes) -> Any:
    from PIL import Image

    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    image.load()
    return image


@needs_pil
def test_page_is_an_a4_landscape_jpeg() -> None:
    jpeg = render_page(_short_page(logo=_logo_png()), language="ca")
    image = _open(jpeg)
    assert image.size == (1754, 1240)
    assert abs(image.width / image.height - 297 / 210) < 0.002
    assert image.mode == "RGB"
    assert round(image.info["dpi"][0]) == 150
    small = _open(render_page(_short_page(), language="ca", width_px=800))
    assert small.size == (800, round(800 * 210 / 297))


@pytest.fixture(scope="module")
def dense_page() -> tuple[PageData, bytes]:
    """The long Catalan page and its JPEG, rendered once for the tests below."""
    data = _long_page(_logo_png())
    return data, render_page(data, language="ca")


@needs_pil
def test_same_input_same_bytes(dense_page: tuple[PageData, bytes]) -> None:
    data, first = dense_page
    assert render_page(data, language="ca") == first
    assert render_page(_short_page(), language="ca") != render_page(_short_page(), language="es")


@needs_pil
@pytest.mark.slow
def test_same_bytes_in_another_process(dense_page: tuple[PageData, bytes]) -> None:
    script = textwrap.dedent(
        f"""
        import hashlib, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_render import _logo_png, _long_page
        from elmkit.render import render_page
        print(hashlib.sha256(render_page(_long_page(_logo_png()), language="ca")).hexdigest())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == hashlib.sha256(dense_page[1]).hexdigest()


@needs_pil
def test_size_budget(dense_page: tuple[PageData, bytes]) -> None:
    _, dense = dense_page
    assert 100_000 < len(dense) <= 250_000
    _open(dense)
    rich = _short_page(logo=_logo_png(), learning_outcomes=["Analitza dades."] * 8)
    best = render_page(rich, language="ca", quality=95, max_bytes=None)
    limited = render_page(rich, language="ca", quality=95, max_bytes=len(best) - 1)
    assert len(limited) < len(best)
    _open(limited)
    assert render_page(rich, language="ca", quality=95) == best  # already under the default
    with pytest.raises(RenderError):
        render_page(rich, language="ca", max_bytes=1_000)
    for bad in (0, 96, True):
        with pytest.raises(RenderError):
            render_page(_short_page(), language="ca", quality=bad)
    with pytest.raises(RenderError):
        render_page(_short_page(), language="ca", width_px=100)


@needs_pil
def test_no_ink_outside_the_content_area(dense_page: tuple[PageData, bytes]) -> None:
    data, jpeg = dense_page
    layout = layout_page(data, language="ca")
    image = _open(jpeg).convert("L")
    inner = layout.frame_boxes[1]
    cx0, cy0, cx1, cy1 = layout.content_box
    pad, guard = 12, 16  # past the frame line; JPEG blocks touching text
    bands = [
        (inner[0] + pad, inner[1] + pad, cx0 - guard, inner[3] - pad),  # left
        (cx1 + guard, inner[1] + pad, inner[2] - pad, inner[3] - pad),  # right
        (inner[0] + pad, inner[1] + pad, inner[2] - pad, cy0 - guard),  # top
        (inner[0] + pad, cy1 + guard, inner[2] - pad, inner[3] - pad),  # bottom
    ]
    for band in bands:
        assert band[0] < band[2] and band[1] < band[3], band
        darkest, _ = image.crop(band).getextrema()
        assert darkest >= 225, band


@needs_pil
def test_transparent_logo_is_put_on_white() -> None:
    layout = layout_page(_short_page(logo=_logo_png(400, 200)), language="en")
    image = _open(render_page(_short_page(logo=_logo_png(400, 200)), language="en"))
    assert layout.logo_box is not None
    x0, y0, x1, y1 = layout.logo_box
    # The top-right corner of the logo is transparent in the source.
    r, g, b = image.getpixel((x1 - 3, y0 + 3))
    assert min(r, g, b) > 235
    # The red disc is drawn.
    r, g, b = image.getpixel((x0 + (y1 - y0) // 2, (y0 + y1) // 2))
    assert r > 150 and g < 80


@needs_pil
def test_missing_pillow_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(RenderUnavailableError, match=r"elmkit\[render\]") as info:
        render_page(_short_page(), language="en")
    assert isinstance(info.value, ElmError)


def test_importing_render_does_not_import_pillow() -> None:
    script = "import sys, elmkit.render; print('PIL' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


# -- JSON-LD nodes --------------------------------------------------------------------------


def _sample_individual_display() -> dict[str, Any]:
    doc = json.loads((SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld").read_text("utf-8"))
    display = doc["displayParameter"]["individualDisplay"]
    assert isinstance(display, dict)
    return display


def _shape(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in ("prefLabel", "notation")}
    return type(node).__name__


@needs_pil
def test_media_object_matches_the_official_sample() -> None:
    sample = _sample_individual_display()["displayDetail"]["image"]
    jpeg = render_page(_short_page(), language="en")
    node = media_object(jpeg)
    assert node["type"] == sample["type"] == "MediaObject"
    assert base64.b64decode(node["content"]) == jpeg
    assert node["contentEncoding"]["id"] == sample["contentEncoding"]["id"]
    assert node["contentType"]["id"] == sample["contentType"]["id"]
    assert node["contentEncoding"]["inScheme"] == sample["contentEncoding"]["inScheme"]
    assert node["contentType"]["inScheme"] == sample["contentType"]["inScheme"]
    assert dict(BASE64_ENCODING)["id"] == sample["contentEncoding"]["id"]
    assert dict(JPEG_CONTENT_TYPE)["id"] == sample["contentType"]["id"]
    # The sample's own image is a JPEG that media_object accepts unchanged.
    sample_jpeg = base64.b64decode(sample["content"])
    assert media_object(sample_jpeg)["content"] == sample["content"]


@needs_pil
def test_individual_display_has_the_sample_structure() -> None:
    sample = _sample_individual_display()
    jpeg = render_page(_short_page(), language="ca")
    catalan: dict[str, Any] = {
        "id": "http://publications.europa.eu/resource/authority/language/CAT",
        "type": "Concept",
        "inScheme": {
            "id": "http://publications.europa.eu/resource/authority/language",
            "type": "ConceptScheme",
        },
        "prefLabel": {"en": "Catalan"},
    }
    node = individual_display(catalan, jpeg, page=1)
    assert _shape(node) == _shape(sample)
    assert node["language"] == catalan and node["language"] is not catalan
    assert node["displayDetail"]["page"] == 1
    assert base64.b64decode(node["displayDetail"]["image"]["content"]) == jpeg
    # Ids are stable for the same content and differ per language and page.
    assert individual_display(catalan, jpeg) == node
    assert individual_display(catalan, jpeg, page=2)["id"] != node["id"]
    spanish = {**catalan, "id": catalan["id"].replace("CAT", "SPA")}
    assert individual_display(spanish, jpeg)["id"] != node["id"]


@needs_pil
@pytest.mark.oracle
def test_individual_display_expands_with_the_official_context() -> None:
    from pyld import jsonld

    def context(path: Path) -> Any:
        return json.loads(path.read_text("utf-8"))["@context"]

    contexts = [
        context(REFERENCE_DIR / "w3c" / "credentials-v1.jsonld"),
        context(ELM_DIR / "context" / "v3.2" / "edc-ap-context.jsonld"),
    ]
    jpeg = render_page(_short_page(), language="gl")
    language = {"id": "http://publications.europa.eu/resource/authority/language/GLG"}
    node = {"@context": contexts, **individual_display(language, jpeg, page=1)}
    expanded = jsonld.expand(node)
    elm = "http://data.europa.eu/snb/model/elm/"
    detail = expanded[0][elm + "displayDetail"][0]
    assert detail[elm + "page"][0]["@value"] == 1
    image = detail[elm + "image"][0]
    assert image["@type"] == [elm + "MediaObject"]
    assert base64.b64decode(image[elm + "content"][0]["@value"]) == jpeg
    assert image[elm + "contentType"][0]["@id"] == JPEG_CONTENT_TYPE["id"]


@needs_pil
def test_display_nodes_reject_bad_input() -> None:
    concept = {"id": "http://publications.europa.eu/resource/authority/language/EUS"}
    jpeg = render_page(_short_page(), language="eu")
    with pytest.raises(InvalidImageError):
        media_object(_logo_png())
    with pytest.raises(InvalidImageError):
        media_object("not bytes")  # type: ignore[arg-type]
    with pytest.raises(ModelError):
        individual_display(concept, jpeg, page=0)
    with pytest.raises(ModelError):
        individual_display(concept, jpeg, page=True)
    with pytest.raises(ModelError):
        individual_display({"type": "Concept"}, jpeg)


_NAMES = [
    "Núria Puig i Serra",
    "Iñaki Ibáñez Muñoz",
    "Marcel·lí Al·lès Caçador",
    "Xosé Castañer",
    "Àlex Peña",
    "Maria Lluïsa Puigcorbé i Cortès-Ferrà de la Vall d’Àneu " * 3,
    "J",
]


@needs_pil
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    learners=st.lists(
        st.tuples(
            st.sampled_from(_NAMES) | _texts,
            st.sampled_from([date(2026, 6, 22), date(2027, 1, 9)]),
            st.sampled_from([7, 10**12]),
        ),
        min_size=2,
        max_size=4,
    ),
    language=st.sampled_from(["ca", "eu", "es"]),
    logo=st.booleans(),
)
def test_pages_drawn_on_a_kept_background_are_the_pages_drawn_whole(
    learners: list[tuple[str, date, int]], language: str, logo: bool
) -> None:
    from elmkit.render import page as page_module

    course = _long_page(_logo_png(300, 120) if logo else None)
    pages = [
        PageData(
            title=course.title[:120],
            learner_name=name,
            awarding_body=course.awarding_body[:80],
            logo=course.logo,
            issue_date=day,
            ects=course.ects,
            workload_hours=course.workload_hours,
            eqf_level=course.eqf_level,
            learning_outcomes=course.learning_outcomes[:4],
            credential_id=f"urn:epass:credential:{number}",
        )
        for name, day, number in learners
    ]
    page_module._BACKGROUNDS.clear()
    kept = [render_page(data, language=language, width_px=700) for data in pages]
    limit = page_module._BACKGROUNDS_KEPT
    page_module._BACKGROUNDS.clear()
    page_module._BACKGROUNDS_KEPT = 0
    try:
        whole = [render_page(data, language=language, width_px=700) for data in pages]
    finally:
        page_module._BACKGROUNDS_KEPT = limit
    assert kept == whole


@needs_pil
def test_a_batch_of_pages_reuses_its_background() -> None:
    from elmkit.render import page as page_module

    page_module._BACKGROUNDS.clear()
    drawn = [render_page(_short_page(learner_name=name), language="ca") for name in _NAMES[:4]]
    (entry,) = page_module._BACKGROUNDS.values()
    assert entry.kept is not None
    roles = {text.role for text in entry.kept[0]}
    assert "learner_name" not in roles and "credential_id" in roles  # the same id every time
    limit = page_module._BACKGROUNDS_KEPT
    page_module._BACKGROUNDS_KEPT = 0
    try:
        whole = [render_page(_short_page(learner_name=name), language="ca") for name in _NAMES[:4]]
    finally:
        page_module._BACKGROUNDS_KEPT = limit
    assert drawn == whole


@needs_pil
def test_pages_drawn_from_many_threads_are_the_pages_drawn_whole() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from elmkit.render import page as page_module

    jobs = [
        (_short_page(learner_name=name), width)
        for name in _NAMES[:3]
        for width in (600, 640, 680, 720, 760, 800, 840, 880, 920, 960)
    ]
    interval = sys.getswitchinterval()
    page_module._BACKGROUNDS.clear()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(6) as pool:
            drawn = list(pool.map(lambda job: render_page(job[0], language="ca", width_px=job[1]), jobs))
    finally:
        sys.setswitchinterval(interval)
    limit = page_module._BACKGROUNDS_KEPT
    page_module._BACKGROUNDS_KEPT = 0
    try:
        whole = [render_page(data, language="ca", width_px=width) for data, width in jobs]
    finally:
        page_module._BACKGROUNDS_KEPT = limit
    assert drawn == whole
    assert len(page_module._BACKGROUNDS) <= limit


def _logo_pixels(logo: bytes) -> tuple[Any, Any]:
    """The logo box's corner and centre pixels on a rendered page."""
    from PIL import Image

    from elmkit.render import PageData, layout_page, render_page

    data = PageData(
        title="Màster", learner_name="Ana", awarding_body="Universitat", issue_date=date(2026, 1, 5),
        credential_id="urn:x:1", logo=logo,
    )
    image = Image.open(io.BytesIO(render_page(data, language="ca"))).convert("RGB")
    left, top, right, bottom = layout_page(data, language="ca").logo_box
    return image.getpixel((left + 3, top + 3)), image.getpixel(((left + right) // 2, (top + bottom) // 2))


def _png(image: Any, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def test_logos_with_a_transparent_colour_or_16_bit_grey_are_drawn_as_they_look() -> None:
    import struct

    from PIL import Image, ImageDraw

    keyed = Image.new("RGB", (200, 200), (0, 0, 0))
    ImageDraw.Draw(keyed).ellipse((50, 50, 150, 150), fill=(200, 0, 0))
    corner, centre = _logo_pixels(_png(keyed, transparency=(0, 0, 0)))
    assert min(corner) > 240 and centre[0] > 150 > centre[1]  # the key colour is the page's white
    grey = Image.frombytes("I;16", (200, 200), struct.pack("<H", 10000) * 40000)
    corner, centre = _logo_pixels(_png(grey))
    assert all(30 < channel < 50 for channel in (*corner, *centre))  # 10000/65535 is dark grey
