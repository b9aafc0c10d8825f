"""The Ads Manager header-alias table (data, not code branches) and header matching.

Every known label of every language maps to one field. Labels are compared after NFKC (so NBSP
and narrow NBSP become spaces), curly apostrophes made straight, outer and repeated spaces
removed and case folded: Title case, trailing spaces and NBSP are therefore not drift (SPEC 3.3).
A trailing `(<CUR>)` is the account currency (`Amount spent (EUR)`). Adding a language or a
renamed column is a new line here, never a new branch.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from apps.sources.connectors.rowbook import shown
from apps.sources.datasets_meta import GRAIN_AD, GRAIN_ADSET, GRAIN_CAMPAIGN

# field -> language -> labels. `cost_per_result`, `cpm`, `cpc` and `starts` are recognised so
# they are not reported as new columns, but not stored: they derive from the stored measures.
HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "reporting_starts": {
        "en": ("Reporting starts",),
        "fr": ("Début des rapports",),
        "pt": ("Início dos relatórios",),
        "es": ("Inicio del informe",),
    },
    "reporting_ends": {
        "en": ("Reporting ends",),
        "fr": ("Fin des rapports",),
        "pt": ("Término dos relatórios", "Fim dos relatórios"),
        "es": ("Fin del informe",),
    },
    "day": {"en": ("Day",), "fr": ("Jour",), "pt": ("Dia",), "es": ("Día",)},
    "campaign_name": {
        "en": ("Campaign name",),
        "fr": ("Nom de la campagne",),
        "pt": ("Nome da campanha",),
        "es": ("Nombre de la campaña",),
    },
    "campaign_id": {
        "en": ("Campaign ID",),
        "fr": ("Identifiant de la campagne", "ID de la campagne"),
        "pt": ("Identificação da campanha", "ID da campanha"),
        "es": ("Identificador de la campaña", "ID de la campaña"),
    },
    "delivery": {
        "en": ("Campaign delivery", "Delivery"),
        "fr": ("Diffusion de la campagne", "Diffusion"),
        "pt": ("Veiculação da campanha", "Veiculação"),
        "es": ("Entrega de la campaña", "Entrega"),
    },
    "adset_name": {
        "en": ("Ad set name",),
        "fr": ("Nom de l'ensemble de publicités",),
        "pt": ("Nome do conjunto de anúncios",),
        "es": ("Nombre del conjunto de anuncios",),
    },
    "adset_id": {
        "en": ("Ad set ID",),
        "fr": ("Identifiant de l'ensemble de publicités", "ID de l'ensemble de publicités"),
        "pt": ("Identificação do conjunto de anúncios", "ID do conjunto de anúncios"),
        "es": ("Identificador del conjunto de anuncios", "ID del conjunto de anuncios"),
    },
    "ad_name": {
        "en": ("Ad name",),
        "fr": ("Nom de la publicité",),
        "pt": ("Nome do anúncio",),
        "es": ("Nombre del anuncio",),
    },
    "ad_id": {
        "en": ("Ad ID",),
        "fr": ("Identifiant de la publicité", "ID de la publicité"),
        "pt": ("Identificação do anúncio", "ID do anúncio"),
        "es": ("Identificador del anuncio", "ID del anuncio"),
    },
    "results": {
        "en": ("Results",),
        "fr": ("Résultats",),
        "pt": ("Resultados",),
        "es": ("Resultados",),
    },
    "result_indicator": {
        "en": ("Result indicator", "Result type"),
        "fr": ("Indicateur de résultats", "Type de résultat"),
        "pt": ("Indicador de resultados", "Tipo de resultado"),
        "es": ("Indicador de resultado", "Indicador de resultados", "Tipo de resultado"),
    },
    "reach": {"en": ("Reach",), "fr": ("Couverture",), "pt": ("Alcance",), "es": ("Alcance",)},
    "frequency": {
        "en": ("Frequency",),
        "fr": ("Répétition",),
        "pt": ("Frequência",),
        "es": ("Frecuencia",),
    },
    "cost_per_result": {
        "en": ("Cost per result", "Cost per results"),
        "fr": ("Coût par résultat", "Coût par résultats"),
        "pt": ("Custo por resultado", "Custo por resultados"),
        "es": ("Costo por resultado", "Coste por resultado", "Costo por resultados"),
    },
    "spend": {
        "en": ("Amount spent",),
        "fr": ("Montant dépensé",),
        "pt": ("Valor usado", "Valor gasto", "Quantia gasta"),
        "es": ("Importe gastado", "Importe invertido"),
    },
    "impressions": {
        "en": ("Impressions",),
        "fr": ("Impressions",),
        "pt": ("Impressões",),
        "es": ("Impresiones",),
    },
    "cpm": {
        "en": ("CPM (cost per 1,000 impressions)",),
        "fr": ("CPM (coût pour 1 000 impressions)",),
        "pt": ("CPM (custo por 1.000 impressões)", "CPM (custo por mil impressões)"),
        "es": ("CPM (costo por mil impresiones)", "CPM (coste por mil impresiones)"),
    },
    "link_clicks": {
        "en": ("Link clicks",),
        "fr": ("Clics sur un lien", "Clics sur le lien"),
        "pt": ("Cliques no link",),
        "es": ("Clics en el enlace",),
    },
    "cpc": {
        "en": ("CPC (cost per link click)",),
        "fr": ("CPC (coût par clic sur un lien)",),
        "pt": ("CPC (custo por clique no link)",),
        "es": ("CPC (costo por clic en el enlace)", "CPC (coste por clic en el enlace)"),
    },
    "link_ctr": {
        "en": ("CTR (link click-through rate)",),
        "fr": ("CTR (taux de clics sur le lien)",),
        "pt": ("CTR (taxa de cliques no link)",),
        "es": ("CTR (porcentaje de clics en el enlace)",),
    },
    "clicks_all": {
        "en": ("Clicks (all)",),
        "fr": ("Clics (tous)",),
        "pt": ("Cliques (todos)",),
        "es": ("Clics (todos)",),
    },
    "ctr": {
        "en": ("CTR (all)",),
        "fr": ("CTR (tous)",),
        "pt": ("CTR (todos)",),
        "es": ("CTR (todos)",),
    },
    "attribution_setting": {
        "en": ("Attribution setting",),
        "fr": ("Paramètre d'attribution",),
        "pt": ("Configuração de atribuição",),
        "es": ("Configuración de atribución",),
    },
    "adset_budget": {
        "en": ("Ad set budget",),
        "fr": ("Budget de l'ensemble de publicités",),
        "pt": ("Orçamento do conjunto de anúncios",),
        "es": ("Presupuesto del conjunto de anuncios",),
    },
    "adset_budget_type": {
        "en": ("Ad set budget type",),
        "fr": ("Type de budget de l'ensemble de publicités",),
        "pt": ("Tipo de orçamento do conjunto de anúncios",),
        "es": ("Tipo de presupuesto del conjunto de anuncios",),
    },
    "starts": {"en": ("Starts",), "fr": ("Début",), "pt": ("Início",), "es": ("Inicio",)},
    "ends": {"en": ("Ends",), "fr": ("Fin",), "pt": ("Término",), "es": ("Finalización",)},
    "quality_ranking": {
        "en": ("Quality ranking",),
        "fr": ("Classement de qualité",),
        "pt": ("Classificação de qualidade",),
        "es": ("Clasificación de calidad",),
    },
    "engagement_rate_ranking": {
        "en": ("Engagement rate ranking",),
        "fr": ("Classement du taux d'interaction",),
        "pt": ("Classificação da taxa de engajamento",),
        "es": ("Clasificación de la tasa de interacción",),
    },
    "conversion_rate_ranking": {
        "en": ("Conversion rate ranking",),
        "fr": ("Classement du taux de conversion",),
        "pt": ("Classificação da taxa de conversão",),
        "es": ("Clasificación de la tasa de conversión",),
    },
    "landing_page_views": {
        "en": ("Landing page views",),
        "fr": ("Vues de page de destination",),
        "pt": ("Visualizações da página de destino",),
        "es": ("Visitas a la página de destino",),
    },
}

# A label shared by several languages (`Impressions` is EN and FR, `Resultados` PT and ES) is
# claimed by the first language here; only the reporting-start label decides a file's language.
LANGUAGE_ORDER = ("en", "fr", "pt", "es")

REQUIRED_FIELDS = ("reporting_starts", "reporting_ends", "spend")
# At least one of these names the row's campaign, ad set or ad.
NAME_FIELDS = ("campaign_name", "campaign_id", "adset_name", "adset_id", "ad_name", "ad_id")
# Recognised but not stored (derived from the stored measures).
DERIVED_FIELDS = frozenset({"cost_per_result", "cpm", "cpc", "starts"})
# Headers of breakdowns the keys cannot hold (one row per campaign and day at most).
UNSUPPORTED_BREAKDOWNS = frozenset(
    {"age", "gender", "country", "region", "platform", "placement", "device platform"}
)

_CURRENCY_SUFFIX = re.compile(r"^(.*?)\s*\(([A-Za-z]{3})\)$")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def label_key(label: str) -> str:
    """A header label as compared: NFKC, straight apostrophes, single spaces, case folded."""
    text = unicodedata.normalize("NFKC", label).replace("\ufeff", "").translate(_APOSTROPHES)
    return " ".join(text.split()).casefold()


def _alias_index() -> dict[str, tuple[str, str]]:
    index: dict[str, tuple[str, str]] = {}
    for field, by_language in HEADER_ALIASES.items():
        for language in LANGUAGE_ORDER:
            for label in by_language.get(language, ()):
                index.setdefault(label_key(label), (field, language))
    return index


ALIAS_INDEX: dict[str, tuple[str, str]] = _alias_index()


@dataclass(frozen=True)
class Label:
    """One header cell as understood: its field (None when unknown) and currency suffix."""

    text: str
    field: str | None
    language: str
    currency: str


@dataclass(frozen=True)
class ExportHeader:
    """A matched Ads Manager header row: where each field is, the currency and the language."""

    row: int
    columns: dict[str, int]
    currency: str
    language: str
    unknown: tuple[str, ...]
    # Every header cell as the file wrote it, so a rejection names the column the user sees.
    texts: tuple[str, ...] = ()

    def label_of(self, field: str) -> str:
        """The file's own header text for a field, else the field name itself."""
        position = self.columns.get(field)
        if position is None or position >= len(self.texts) or not self.texts[position]:
            return field
        return self.texts[position]

    @property
    def grain(self) -> str:
        if "ad_name" in self.columns or "ad_id" in self.columns:
            return GRAIN_AD
        if "adset_name" in self.columns or "adset_id" in self.columns:
            return GRAIN_ADSET
        return GRAIN_CAMPAIGN

    @property
    def has_day(self) -> bool:
        return "day" in self.columns


def read_label(cell: object) -> Label:
    """Which field a header cell names; a trailing `(<CUR>)` is read as the currency."""
    text = "" if cell is None else str(cell)
    key = label_key(text)
    if key in ALIAS_INDEX:
        field, language = ALIAS_INDEX[key]
        return Label(text, field, language, "")
    match = _CURRENCY_SUFFIX.match(unicodedata.normalize("NFKC", text).strip())
    if match:
        base = ALIAS_INDEX.get(label_key(match.group(1)))
        if base is not None:
            return Label(text, base[0], base[1], match.group(2).upper())
    return Label(text, None, "", "")


def match_header(cells: Sequence[object], row: int = 1) -> ExportHeader | None:
    """The header when these cells carry the signature (reporting start and spend), else None."""
    labels = [read_label(cell) for cell in cells]
    columns: dict[str, int] = {}
    for position, label in enumerate(labels):
        if label.field is not None:
            columns.setdefault(label.field, position)
    if "reporting_starts" not in columns or "spend" not in columns:
        return None
    spend = labels[columns["spend"]]
    unknown = tuple(label.text.strip() for label in labels if label.field is None and label.text)
    return ExportHeader(
        row=row,
        columns=columns,
        currency=spend.currency,
        language=labels[columns["reporting_starts"]].language,
        unknown=unknown,
        texts=tuple(" ".join(label.text.split()) for label in labels),
    )


def header_problem(header: ExportHeader, cells: Sequence[object]) -> str | None:
    """Why a signature-bearing header still cannot be loaded, or None when it can."""
    missing = [field for field in REQUIRED_FIELDS if field not in header.columns]
    if not any(field in header.columns for field in NAME_FIELDS):
        missing.append("campaign name (or an ad set or ad name or id)")
    if missing:
        return mismatch_message(cells, missing=missing)
    if not header.currency:
        label = shown(str(cells[header.columns["spend"]]))
        return f"the spend column {label} names no currency (expected like 'Amount spent (USD)')"
    duplicated = _duplicated_fields(cells)
    if duplicated:
        return f"columns given twice: {', '.join(duplicated)}"
    breakdowns = [
        str(cell).strip() for cell in cells if label_key(str(cell)) in UNSUPPORTED_BREAKDOWNS
    ]
    if breakdowns:
        return (
            f"breakdown by {', '.join(breakdowns)} is not supported (rows are keyed by "
            "campaign, ad set, ad and day); export with no breakdown or by Day"
        )
    return None


def _duplicated_fields(cells: Sequence[object]) -> list[str]:
    seen: set[str] = set()
    duplicated: list[str] = []
    for cell in cells:
        field = read_label(cell).field
        if field is None or field in DERIVED_FIELDS:
            continue
        if field in seen:
            duplicated.append(shown(str(cell).strip()))
        seen.add(field)
    return duplicated


def mismatch_message(cells: Sequence[object], *, missing: Sequence[str] = ()) -> str:
    """SPEC 3.3 drift message: the missing columns, the unexpected ones and the expected set."""
    found = [str(cell).strip() for cell in cells if cell is not None and str(cell).strip()]
    labels = [read_label(cell) for cell in found]
    known = {label.field for label in labels}
    missing = list(missing) or [field for field in REQUIRED_FIELDS if field not in known]
    unexpected = [label.text for label in labels if label.field is None]
    return (
        f"not an Ads Manager export: missing columns {_listed([_english(m) for m in missing])}; "
        f"unexpected columns {_listed(unexpected)}; expected {EXPECTED_TEXT}"
    )


# The expected set as the rejection states it (English labels; the aliases are in this module).
EXPECTED_TEXT = "Reporting starts, Reporting ends, Amount spent (<CUR>) and a Campaign name"


def _english(field: str) -> str:
    """The English label of a field; free text (a description) is returned unchanged."""
    if field not in HEADER_ALIASES:
        return field
    label = HEADER_ALIASES[field]["en"][0]
    return f"{label} (<CUR>)" if field == "spend" else label


def _listed(labels: Sequence[str]) -> str:
    if not labels:
        return "none"
    head = ", ".join(shown(label) for label in labels[:MESSAGE_LABELS])
    return head + (" ..." if len(labels) > MESSAGE_LABELS else "")


# How many labels a rejection message quotes; a garbage "header" can have thousands of cells.
MESSAGE_LABELS = 20
