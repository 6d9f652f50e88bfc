"""The static words of a display page in each language, and how dates and numbers are written.

Every supported language has one complete :class:`PageLabels` entry in :data:`LABELS`; other
languages fall back along :func:`fallback_chain`, the chain multilingual text uses
(``ca-valencia`` → ``ca-ES-valencia``, ``oc`` and ``oc-ES-aranes`` → ``oc-aranes`` (Occitan),
``eu-ES`` → ``eu`` → ``es``, anything else → its shorter forms → ``en``). A three-letter
ISO 639 code of a language that has a two-letter one (``cat``, ``spa``, ``eus``) takes the
table of that language (``ca``, ``es``, ``eu``); a tag kept as given that names a language
without a table (``iw``, Hebrew) gets English labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal, get_args

from elmkit.errors import LanguageTagError, ModelError
from elmkit.model.text import best_match, normalize_tag
from elmkit.model.text import fallback_chain as text_fallback_chain

__all__ = [
    "LABELS",
    "SUPPORTED_LANGUAGES",
    "DateStyle",
    "PageLabels",
    "basque_ends_in_consonant",
    "fallback_chain",
    "format_date",
    "format_number",
    "labels_for",
    "resolve_language",
]

DateStyle = Literal["en", "de", "fr", "it", "romance", "elide", "eu"]
"""How a date is put together from day, month name and year.

``en``: ``4 December 2026``; ``de``: ``4. Dezember 2026``; ``fr``: ``4 décembre 2026``
(``1er``); ``it``: ``4 dicembre 2026`` (``1º``); ``romance``: ``4 de diciembre de 2026``;
``elide``: like ``romance`` with ``d’`` before a month starting with a vowel (Catalan, Occitan);
``eu``: ``2026ko abenduaren 4a`` (Basque, genitive month names).
"""


@dataclass(frozen=True, slots=True)
class PageLabels:
    """The fixed texts of a page in one language, and its date and number conventions.

    ``more`` is a pattern with ``{n}`` for the count of learning outcomes left off the page.
    ``part_of`` introduces the programme a module is part of (``None``: the built-in label of
    the page's language).
    ``months`` holds the twelve month names in the form the date style needs (Basque: genitive).
    """

    awarded_to: str
    awarded_by: str
    date_of_issue: str
    ects_credits: str
    hours: str
    eqf_level: str
    learning_outcomes: str
    credential_id: str
    more: str
    months: tuple[str, ...]
    date_style: DateStyle
    decimal_separator: str = ","
    part_of: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and f.name != "decimal_separator" and not value.strip():
                raise ModelError(f"page label {f.name!r} is empty")
        if len(self.months) != 12 or not all(isinstance(m, str) and m for m in self.months):
            raise ModelError("page labels need twelve non-empty month names")
        if "{n}" not in self.more:
            raise ModelError("page label 'more' must contain '{n}'")
        if self.date_style not in get_args(DateStyle):
            raise ModelError(f"unknown date style: {self.date_style!r}")


def _months(names: str) -> tuple[str, ...]:
    return tuple(names.split())


_CA_MONTHS = _months(
    "gener febrer març abril maig juny juliol agost setembre octubre novembre desembre"
)

LABELS: Mapping[str, PageLabels] = {
    "en": PageLabels(
        awarded_to="Awarded to",
        awarded_by="Awarded by",
        date_of_issue="Date of issue",
        ects_credits="ECTS credits",
        hours="Hours",
        eqf_level="EQF level",
        learning_outcomes="Learning outcomes",
        credential_id="Credential ID",
        more="+{n} more",
        months=_months(
            "January February March April May June July August September October November December"
        ),
        date_style="en",
        decimal_separator=".",
        part_of="Part of",
    ),
    "es": PageLabels(
        awarded_to="Otorgado a",
        awarded_by="Otorgado por",
        date_of_issue="Fecha de expedición",
        ects_credits="Créditos ECTS",
        hours="Horas",
        eqf_level="Nivel MEC",
        learning_outcomes="Resultados de aprendizaje",
        credential_id="Identificador de la credencial",
        more="+{n} más",
        months=_months(
            "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
        ),
        date_style="romance",
        part_of="Parte de",
    ),
    "ca": PageLabels(
        awarded_to="Atorgat a",
        awarded_by="Atorgat per",
        date_of_issue="Data d’expedició",
        ects_credits="Crèdits ECTS",
        hours="Hores",
        eqf_level="Nivell MEQ",
        learning_outcomes="Resultats d’aprenentatge",
        credential_id="Identificador de la credencial",
        more="+{n} més",
        months=_CA_MONTHS,
        date_style="elide",
        part_of="Part de",
    ),
    "ca-ES-valencia": PageLabels(
        awarded_to="Atorgat a",
        awarded_by="Atorgat per",
        date_of_issue="Data d’expedició",
        ects_credits="Crèdits ECTS",
        hours="Hores",
        eqf_level="Nivell MEQ",
        learning_outcomes="Resultats d’aprenentatge",
        credential_id="Identificador de la credencial",
        more="+{n} més",
        months=_CA_MONTHS,
        date_style="elide",
        part_of="Part de",
    ),
    "eu": PageLabels(
        awarded_to="Jasotzailea",
        awarded_by="Erakunde emailea",
        date_of_issue="Emate-data",
        ects_credits="ECTS kredituak",
        hours="Orduak",
        eqf_level="EQF maila",
        learning_outcomes="Ikaskuntza-emaitzak",
        credential_id="Kredentzialaren identifikatzailea",
        more="+{n} gehiago",
        months=_months(
            "urtarrilaren otsailaren martxoaren apirilaren maiatzaren ekainaren uztailaren abuztuaren irailaren urriaren azaroaren abenduaren"
        ),
        date_style="eu",
        part_of="Programa",
    ),
    "gl": PageLabels(
        awarded_to="Outorgado a",
        awarded_by="Outorgado por",
        date_of_issue="Data de expedición",
        ects_credits="Créditos ECTS",
        hours="Horas",
        eqf_level="Nivel MEC",
        learning_outcomes="Resultados de aprendizaxe",
        credential_id="Identificador da credencial",
        more="+{n} máis",
        months=_months(
            "xaneiro febreiro marzo abril maio xuño xullo agosto setembro outubro novembro decembro"
        ),
        date_style="romance",
        part_of="Parte de",
    ),
    "oc-aranes": PageLabels(
        awarded_to="Autrejat a",
        awarded_by="Autrejat per",
        date_of_issue="Data d’expedicion",
        ects_credits="Crèdits ECTS",
        hours="Ores",
        eqf_level="Nivèu MEQ",
        learning_outcomes="Resultats d’aprenentatge",
        credential_id="Identificador dera credenciau",
        more="+{n} mès",
        months=_months("gèr hereuèr març abriu mai junh juriòl agost seteme octobre noveme deseme"),
        date_style="elide",
        part_of="Part de",
    ),
    "fr": PageLabels(
        awarded_to="Délivré à",
        awarded_by="Délivré par",
        date_of_issue="Date de délivrance",
        ects_credits="Crédits ECTS",
        hours="Heures",
        eqf_level="Niveau CEC",
        learning_outcomes="Acquis d’apprentissage",
        credential_id="Identifiant du justificatif",
        more="+{n} autres",
        months=_months(
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        ),
        date_style="fr",
        part_of="Fait partie de",
    ),
    "de": PageLabels(
        awarded_to="Verliehen an",
        awarded_by="Verliehen von",
        date_of_issue="Ausstellungsdatum",
        ects_credits="ECTS-Punkte",
        hours="Stunden",
        eqf_level="EQR-Niveau",
        learning_outcomes="Lernergebnisse",
        credential_id="Nachweis-ID",
        more="+{n} weitere",
        months=_months(
            "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
        ),
        date_style="de",
        part_of="Teil von",
    ),
    "it": PageLabels(
        awarded_to="Rilasciato a",
        awarded_by="Rilasciato da",
        date_of_issue="Data di rilascio",
        ects_credits="Crediti ECTS",
        hours="Ore",
        eqf_level="Livello EQF",
        learning_outcomes="Risultati dell’apprendimento",
        credential_id="ID della credenziale",
        more="+{n} altri",
        months=_months(
            "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
        ),
        date_style="it",
        part_of="Parte di",
    ),
    "pt": PageLabels(
        awarded_to="Atribuído a",
        awarded_by="Atribuído por",
        date_of_issue="Data de emissão",
        ects_credits="Créditos ECTS",
        hours="Horas",
        eqf_level="Nível QEQ",
        learning_outcomes="Resultados de aprendizagem",
        credential_id="ID da credencial",
        more="+{n} mais",
        months=_months(
            "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro"
        ),
        date_style="romance",
        part_of="Parte de",
    ),
}
"""Built-in labels, keyed by BCP 47 tag in canonical case."""

SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(LABELS)

def _canonical(tag: str) -> str:
    """``CA-es-VALENCIA`` or ``ca_ES_valencia`` → ``ca-ES-valencia`` (the case RFC 5646
    recommends; a POSIX ``_`` is read as ``-``)."""
    if not isinstance(tag, str):
        raise LanguageTagError(f"language tag must be a string, not {type(tag).__name__}")
    return normalize_tag(tag.strip().replace("_", "-"))


def fallback_chain(language: str) -> tuple[str, ...]:
    """The steps tried in order for ``language``, always ending with ``en``: the same chain as
    multilingual text uses (:func:`elmkit.model.text.fallback_chain`).

    ``ca-ES-valencia`` → ``ca-ES-valencia, ca-valencia, ca-ES, ca, es, en``; ``oc-ES-aranes`` →
    ``oc-ES-aranes, oc-aranes, oc-ES, oc, ca, es, en``. A step with a variant is answered by the
    same variant in another form (``ca-ES-valencia`` for ``ca-valencia``), a bare language by
    any tag of that language (``oc-aranes`` for ``oc``).
    """
    return tuple(text_fallback_chain(_canonical(language)))


def resolve_language(language: str) -> str:
    """The built-in labels :func:`fallback_chain` reaches first (``en`` when none)."""
    return best_match(_canonical(language), LABELS) or "en"


def labels_for(language: str, overrides: Mapping[str, Any] | None = None) -> PageLabels:
    """The labels for ``language`` (with fallback), optionally with some fields replaced.

    ``overrides`` maps :class:`PageLabels` field names to new values, e.g.
    ``{"awarded_to": "Conferit a"}``; an unknown name raises :class:`~elmkit.errors.ModelError`.
    """
    labels = LABELS[resolve_language(language)]
    if not overrides:
        return labels
    known = {f.name for f in fields(PageLabels)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ModelError(f"unknown page label(s): {', '.join(unknown)}")
    changes: dict[str, Any] = dict(overrides)
    if "months" in changes:
        changes["months"] = tuple(changes["months"])
    for name, value in changes.items():
        if name != "months" and not isinstance(value, str):
            raise ModelError(f"page label {name!r} must be a string")
    return replace(labels, **changes)


def basque_ends_in_consonant(number: int) -> bool:
    """Whether the last spoken word of ``number`` ends in a consonant in Basque, which picks
    the form of a suffix written after the digits (``2025eko``, ``2026ko``; ``10erako``).

    The last word is set by ``number % 20`` (Basque counts in twenties): bat (1), bost (5),
    hamar (10), hamabost (15) and ehun (hundreds) end in a consonant; mila (thousands) does not.
    """
    if number % 100 == 0:
        return number % 1000 != 0
    return number % 20 in (1, 5, 10, 15)


def _basque_year_suffix(year: int) -> str:
    """``ko`` or ``eko``: ``eko`` after a number whose spoken form ends in a consonant."""
    return "eko" if basque_ends_in_consonant(year) else "ko"


def format_date(value: date, labels: PageLabels) -> str:
    """``value`` written the way ``labels`` says (see :data:`DateStyle`)."""
    day, month, year = value.day, labels.months[value.month - 1], value.year
    style = labels.date_style
    if style == "en":
        return f"{day} {month} {year}"
    if style == "de":
        return f"{day}. {month} {year}"
    if style == "fr":
        return f"{'1er' if day == 1 else day} {month} {year}"
    if style == "it":
        return f"{'1º' if day == 1 else day} {month} {year}"
    if style == "eu":
        return f"{year}{_basque_year_suffix(year)} {month} {day}a"
    if style == "elide" and month[:1].lower() in "aeiouàèéíòóú":
        return f"{day} d’{month} de {year}"
    return f"{day} de {month} de {year}"


def format_number(value: float, labels: PageLabels, *, exact: bool = False) -> str:
    """A credit or hour count: no trailing zeros, the language's separator; at most two
    decimals, or with ``exact`` every digit the value has (``1,125`` ECTS, as the credential
    states it, not ``1,12``)."""
    if not math.isfinite(value):
        raise ModelError(f"not a finite number: {value!r}")
    if exact:  # the shortest text that reads back as the value, never with an exponent
        text = format(Decimal(repr(float(value))), "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
    else:
        text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", labels.decimal_separator)
