"""「うちの自治体なら」: the reported cases' effects applied to a planner's own numbers.

Pure arithmetic, no streamlit. Every factor is read from the catalogue by figure id (never typed in
here), and every result row carries the assumption in words, the figure id and its verbatim quote.
The results are an *illustration from one reported case*, not a forecast: the page and the CSV say so.

The paper figure 「2016年比で約55%まで削減」 is ambiguous (down TO 55% or down BY 55%): both readings
are computed and shown side by side, never one chosen silently.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from jichitai_metrics import formatting, words
from jichitai_metrics.i18n import pick

# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputField:
    """One number the planner types in, with its limits."""

    key: str
    label_ja: str
    label_en: str
    unit_ja: str
    unit_en: str
    maximum: float
    example: str
    integer: bool = True

    def label(self, lang: str) -> str:
        return pick(self.label_ja, self.label_en, lang)

    def unit(self, lang: str) -> str:
        return pick(self.unit_ja, self.unit_en, lang)


# Maxima are "clearly a typo above this", not policy: Tokyo (14 million people) states about
# 28,000 procedures; 1億 calls a year would be several per resident.
FIELDS: tuple[InputField, ...] = (
    InputField(
        "inquiries",
        "電話での問い合わせ件数（年間）",
        "Phone inquiries per year",
        "件/年",
        "calls/year",
        100_000_000,
        "12,000",
    ),
    InputField(
        "cost_per_call",
        "1件あたりの対応費用",
        "Cost per call",
        "円/件",
        "yen/call",
        1_000_000,
        "800",
        integer=False,
    ),
    InputField(
        "fax_pages",
        "FAXの送受信枚数（年間）",
        "Fax pages per year",
        "枚/年",
        "pages/year",
        1_000_000_000,
        "50,000",
    ),
    InputField(
        "paper_sheets",
        "コピー用紙の使用枚数（年間）",
        "Paper sheets per year",
        "枚/年",
        "sheets/year",
        10_000_000_000,
        "3,000,000",
    ),
    InputField(
        "procedures",
        "行政手続きの数",
        "Number of administrative procedures",
        "件",
        "procedures",
        1_000_000,
        "1,500",
    ),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}


class InputError(ValueError):
    """A planner's entry that cannot be used; the message is shown as is."""


_MAN = re.compile(r"^(\d+(?:\.\d+)?)万(\d*)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_UNIT_SUFFIX = re.compile(r"(円|件|枚|本|/年|/件|毎年|年間)+$")


def parse_amount(text: str | None, field: InputField, lang: str = "ja") -> float | None:
    """The planner's entry as a number: full-width digits and commas, 「2万8,000」, a unit suffix.

    Blank -> None (the row is left out). Raises InputError with a message for the person typing.
    """
    raw = "" if text is None else str(text)
    # NFKC turns full-width digits, commas, periods and minus signs into ASCII (１２，０００ -> 12,000).
    norm = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    if not norm:
        return None
    norm = _UNIT_SUFFIX.sub("", norm)
    norm = norm.replace(",", "").replace("、", "")
    name = field.label(lang)
    if norm.startswith(("-", "−", "▲", "△")):
        raise InputError(
            pick(
                f"{name}：マイナスの値は入力できません。0以上の数を入れてください。",
                f"{name}: negative numbers are not allowed; enter 0 or more.",
                lang,
            )
        )
    man = _MAN.match(norm)
    if man:
        value = float(man.group(1)) * 10_000 + (float(man.group(2)) if man.group(2) else 0.0)
    elif _NUMBER.match(norm):
        value = float(norm)
    else:
        raise InputError(
            pick(
                f"{name}：数字で入力してください（例：{field.example}）。「{raw.strip()[:20]}」は読めません。",
                f"{name}: enter a number (e.g. {field.example}); “{raw.strip()[:20]}” is not one.",
                lang,
            )
        )
    if not math.isfinite(value):
        raise InputError(pick(f"{name}：数字で入力してください。", f"{name}: enter a number.", lang))
    if field.integer and value != int(value):
        raise InputError(
            pick(f"{name}：件数・枚数は整数で入力してください。", f"{name}: enter a whole number.", lang)
        )
    if value > field.maximum:
        limit = formatting.japanese_number(field.maximum) if lang != "en" else f"{field.maximum:,.0f}"
        raise InputError(
            pick(
                f"{name}：上限（{limit}{field.unit_ja}）を超えています。桁を確認してください。",
                f"{name}: above the limit ({limit} {field.unit_en}); check the digits.",
                lang,
            )
        )
    return value


def parse_inputs(
    texts: Mapping[str, str | None], lang: str = "ja"
) -> tuple[dict[str, float | None], list[str]]:
    """Parse every field; returns (values, error messages). A bad field is None in values."""
    values: dict[str, float | None] = {}
    errors: list[str] = []
    for f in FIELDS:
        try:
            values[f.key] = parse_amount(texts.get(f.key), f, lang)
        except InputError as exc:
            values[f.key] = None
            errors.append(str(exc))
    return values, errors


# --- factors from the catalogue ----------------------------------------------------------------

# Which reported figure each effect uses. These are ids, not numbers: the values, qualifiers and
# quotes are read from the catalogue, so a corrected data file corrects the what-if too.
FIGURE_IDS = {
    "inquiries": "p4-kodaira-inquiries",
    "fax": "p1-fax-reduction",
    "paper": "p1-paper-reduction",
    "procedures": "p1-procedures-digital-share-target",
}


class FactorError(ValueError):
    """The catalogue lacks a figure the what-if needs, or it is not a percentage."""


@dataclass(frozen=True)
class Factor:
    """A reported percentage used as a factor, with everything needed to cite it."""

    figure_id: str
    percent: float
    qualifier: str
    label: str
    quote: str
    kind: str
    ambiguous: bool
    note: str
    baseline: str
    program: int | None
    source: str
    fiscal_year: int | None = None

    @property
    def share(self) -> float:
        return self.percent / 100.0

    def value_text(self, lang: str) -> str:
        return formatting.value_text(self.percent, "%", self.qualifier, lang)

    @property
    def reads_as_to(self) -> bool:
        """「55%まで削減」 = down TO; 「25%削減」 = down BY."""
        return "まで" in self.quote


_blank = words.blank


def _source_text(row: Mapping[str, Any], programs: pd.DataFrame | None, lang: str) -> str:
    """The case's 出典 line: its programme row when known (title, speaker, post), else the figure row."""
    prog = None if _blank(row.get("program")) else int(float(row["program"]))
    if prog is not None and programs is not None and not programs.empty and "number" in programs.columns:
        match = programs[programs["number"].astype(int) == prog]
        if not match.empty:
            return words.source_line(match.iloc[0].to_dict(), lang)
    return words.source_line(row, lang)


def factors_from(
    figures: pd.DataFrame, programs: pd.DataFrame | None = None, lang: str = "ja"
) -> dict[str, Factor]:
    """The what-if factors, read from catalogue figure rows by id (raises FactorError if missing)."""
    by_id = {str(r["id"]): r for r in figures.to_dict("records")}
    out: dict[str, Factor] = {}
    for key, fid in FIGURE_IDS.items():
        row = by_id.get(fid)
        if row is None:
            raise FactorError(f"figure {fid!r} (needed for the what-if '{key}') is not in the catalogue")
        if str(row.get("unit")) != "%" or _blank(row.get("value")):
            raise FactorError(
                f"figure {fid!r} must be a percentage with a value, got unit {row.get('unit')!r}"
            )
        percent = float(row["value"])
        if not 0 <= percent <= 100:
            raise FactorError(f"figure {fid!r}: {percent}% is not a share between 0 and 100")
        amb = row.get("ambiguous")
        out[key] = Factor(
            figure_id=fid,
            percent=percent,
            qualifier="" if _blank(row.get("qualifier")) else str(row["qualifier"]),
            label=words.text(row, "label", lang),
            quote=str(row.get("quote") or ""),
            kind=str(row.get("kind") or ""),
            ambiguous=(str(amb).strip().lower() in ("true", "1")) if not isinstance(amb, bool) else amb,
            note=words.text(row, "note", lang) if not _blank(row.get("note_ja")) else "",
            baseline="" if _blank(row.get("baseline")) else str(row["baseline"]),
            program=None if _blank(row.get("program")) else int(float(row["program"])),
            source=_source_text(row, programs, lang),
            fiscal_year=None if _blank(row.get("fiscal_year")) else int(float(row["fiscal_year"])),
        )
    return out


# --- the arithmetic ----------------------------------------------------------------------------

RESULT_COLUMNS = (
    "key",
    "item",
    "before",
    "after",
    "change",
    "unit",
    "reading",
    "assumption",
    "figure_id",
    "figure_value",
    "quote",
    "source",
    "caveat",
)

CAVEAT = (
    "一つの報告事例の数値をそのまま当てはめた試算（例示）であり、予測ではありません。",
    "An illustration from one reported case applied as is; not a forecast.",
)


def _n(value: float, lang: str) -> str:
    v = round(value)
    return formatting.japanese_number(v) if lang != "en" else f"{v:,}"


def _row(
    key: str,
    item: str,
    before: float,
    after: float,
    unit: str,
    reading: str,
    assumption: str,
    f: Factor,
    lang: str,
) -> dict[str, Any]:
    return {
        "key": key,
        "item": item,
        "before": float(before),
        "after": float(round(after)),
        # A target share is "how many of them", not a change; leave it blank rather than negative.
        "change": None if key == "procedures" else float(round(after) - before),
        "unit": unit,
        "reading": reading,
        "assumption": assumption,
        "figure_id": f.figure_id,
        "figure_value": f.value_text(lang),
        "quote": f.quote,
        "source": f.source,
        "caveat": pick(*CAVEAT, lang),
    }


def _scope(f: Factor, lang: str) -> str:
    # The target's denominator and deadline, as the catalogue states them.
    parts = []
    if f.baseline:
        parts.append(pick(f"{f.baseline}のうち", f"of {f.baseline}", lang))
    if f.fiscal_year is not None:
        parts.append(
            pick(
                f"{formatting.fiscal_year_label(f.fiscal_year, lang)}までに",
                f"by {formatting.fiscal_year_label(f.fiscal_year, lang)}",
                lang,
            )
        )
    return pick("、", ", ", lang).join(parts) or pick("時期の記載なし", "no date given", lang)


def compute(
    values: Mapping[str, float | None], factors: Mapping[str, Factor], lang: str = "ja"
) -> pd.DataFrame:
    """Result rows for every input given (blank inputs are left out). Columns: RESULT_COLUMNS."""
    rows: list[dict[str, Any]] = []
    calls = values.get("inquiries")
    inq = factors["inquiries"]
    if calls is not None:
        after = calls * (1 - inq.share)
        rows.append(
            _row(
                "inquiries",
                pick("電話での問い合わせ件数（年間）", "Phone inquiries per year", lang),
                calls,
                after,
                pick("件/年", "calls/year", lang),
                pick("削減", "cut", lang),
                pick(
                    f"小平市でFAQ（Helpfeel）を導入した際の「{inq.quote}」を、年間件数にそのまま当てはめました"
                    f"（{_n(calls, lang)} × (1 − {inq.value_text(lang)})）。"
                    "小平市はコロナワクチン接種の問い合わせの事例で、"
                    "比較の基準期間はレポートに書かれていません。",
                    f"Kodaira City's “{inq.quote}” after adding an FAQ (Helpfeel), applied as is to your "
                    f"yearly calls ({_n(calls, lang)} × (1 − {inq.value_text(lang)})). Kodaira's case was "
                    "COVID-19 vaccination inquiries; the report gives no comparison period.",
                    lang,
                ),
                inq,
                lang,
            )
        )
        cost = values.get("cost_per_call")
        if cost is not None:
            saved_calls = round(calls * inq.share)
            rows.append(
                _row(
                    "call_cost",
                    pick("電話対応の費用（年間）", "Cost of answering calls per year", lang),
                    calls * cost,
                    (calls - saved_calls) * cost,
                    pick("円/年", "yen/year", lang),
                    pick("削減", "cut", lang),
                    pick(
                        f"減った件数（{_n(saved_calls, lang)}件）"
                        f"× 1件あたりの費用（入力値 {_n(cost, lang)}円）。"
                        "1件あたりの費用が変わらないと仮定しています（席・人件費の削減が比例するとは限りません）。",
                        f"Calls saved ({_n(saved_calls, lang)}) × your cost per call ({_n(cost, lang)} yen). "
                        "Assumes the cost per call stays the same "
                        "(staff and seat costs need not fall in proportion).",
                        lang,
                    ),
                    inq,
                    lang,
                )
            )
    fax_pages = values.get("fax_pages")
    fax = factors["fax"]
    if fax_pages is not None:
        rows.append(
            _row(
                "fax",
                pick("FAXの送受信枚数（年間）", "Fax pages per year", lang),
                fax_pages,
                fax_pages * (1 - fax.share),
                pick("枚/年", "pages/year", lang),
                pick("削減", "cut", lang),
                pick(
                    f"東京都の「{fax.quote}」を、年間枚数にそのまま当てはめました。",
                    f"Tokyo's “{fax.quote}” applied as is to your yearly pages.",
                    lang,
                ),
                fax,
                lang,
            )
        )
    sheets = values.get("paper_sheets")
    paper = factors["paper"]
    if sheets is not None:
        both = paper.ambiguous
        to_reading = both or paper.reads_as_to
        by_reading = both or not paper.reads_as_to
        amb = pick(
            "レポートの表現「{q}」はどちらの意味か決められないため、2通りの読み方を並べています。",
            "The report's wording “{q}” can be read two ways, so both are shown.",
            lang,
        ).format(q=paper.quote)
        if to_reading:
            rows.append(
                _row(
                    "paper_to",
                    pick("コピー用紙の使用枚数（年間）", "Paper sheets per year", lang),
                    sheets,
                    sheets * paper.share,
                    pick("枚/年", "sheets/year", lang),
                    pick(
                        f"読み方A：{paper.value_text(lang)}の水準「まで」減った",
                        f"Reading A: down TO {paper.value_text(lang)}",
                        lang,
                    ),
                    pick(
                        f"東京都の紙の使用量が{paper.baseline or '基準年'}の{paper.value_text(lang)}"
                        f"の水準まで減った（約{_n(100 - paper.percent, lang)}%減）と読んだ場合。",
                        f"If Tokyo's paper use fell to {paper.value_text(lang)} "
                        f"of its {paper.baseline or 'base-year'} level "
                        f"(a cut of about {_n(100 - paper.percent, lang)}%).",
                        lang,
                    )
                    + (" " + amb if both else ""),
                    paper,
                    lang,
                )
            )
        if by_reading:
            rows.append(
                _row(
                    "paper_by",
                    pick("コピー用紙の使用枚数（年間）", "Paper sheets per year", lang),
                    sheets,
                    sheets * (1 - paper.share),
                    pick("枚/年", "sheets/year", lang),
                    pick(
                        f"読み方B：{paper.value_text(lang)}「減った」",
                        f"Reading B: down BY {paper.value_text(lang)}",
                        lang,
                    ),
                    pick(
                        f"東京都の紙の使用量が{paper.baseline or '基準年'}"
                        f"から{paper.value_text(lang)}減ったと読んだ場合。",
                        f"If Tokyo's paper use fell by {paper.value_text(lang)} "
                        f"from {paper.baseline or 'the base year'}.",
                        lang,
                    )
                    + (" " + amb if both else ""),
                    paper,
                    lang,
                )
            )
    procs = values.get("procedures")
    target = factors["procedures"]
    if procs is not None:
        rows.append(
            _row(
                "procedures",
                pick("デジタル化する手続きの数", "Procedures to digitise", lang),
                procs,
                procs * target.share,
                pick("件", "procedures", lang),
                pick("目標の割合", "target share", lang),
                pick(
                    f"東京都の目標「{target.quote}」（{_scope(target, lang)}）を手続き数に当てはめた数です。"
                    "東京都の「目標」であり、達成された実績ではありません。",
                    f"Tokyo's target “{target.quote}” ({_scope(target, lang)}) applied to your number "
                    "of procedures. It is Tokyo's target, not an achieved result.",
                    lang,
                ),
                target,
                lang,
            )
        )
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def result_text(row: Mapping[str, Any], lang: str = "ja") -> str:
    """One result read aloud: 12,000件/年 → 約9,000件/年 (−3,000)."""
    unit = str(row["unit"])
    if row["change"] is None or (isinstance(row["change"], float) and math.isnan(row["change"])):
        return pick(
            f"{_n(row['before'], lang)}{unit}のうち約{_n(row['after'], lang)}{unit}",
            f"about {_n(row['after'], lang)} of {_n(row['before'], lang)} {unit}",
            lang,
        )
    sign = "+" if row["change"] > 0 else "−" if row["change"] < 0 else "±"
    before, after, change = _n(row["before"], lang), _n(row["after"], lang), _n(abs(row["change"]), lang)
    if lang == "en":  # English puts a space before the unit and uses half-width brackets
        return f"{before} {unit} → about {after} {unit} ({sign}{change})"
    return f"{before}{unit} → 約{after}{unit}（{sign}{change}）"


def source_line(row: Mapping[str, Any]) -> str:
    """Where a result's factor comes from: source ―「quote」（figure id）; the page and the handout
    show it."""
    return f"{row['source']} ―「{row['quote']}」（{row['figure_id']}）"


def csv_frame(results: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The results as a machine-readable table (header row, plain numbers, units in a column)."""
    names = {
        "item": pick("項目", "item", lang),
        "reading": pick("読み方", "reading", lang),
        "before": pick("入力値", "your_value", lang),
        "after": pick("当てはめた値", "illustrated_value", lang),
        "change": pick("増減", "change", lang),
        "unit": pick(*words.COLUMN_HEADERS["unit"], lang),
        "assumption": pick("前提", "assumption", lang),
        "figure_id": pick(*words.COLUMN_HEADERS["figure_id"], lang),
        "figure_value": pick("事例の数値", "case_figure", lang),
        "quote": pick(*words.COLUMN_HEADERS["quote"], lang),
        "source": pick(*words.COLUMN_HEADERS["source"], lang),
        "caveat": pick("注意", "caveat", lang),
    }
    return results[list(names)].rename(columns=names)


def chart(results: pd.DataFrame, lang: str = "ja", width: int | str = 640) -> alt.TopLevelMixin:
    """Before vs after per item; each item on its own scale (units differ, so no shared axis)."""
    from jichitai_metrics.charts import PALETTE  # the product's colour-universal-design palette

    now, case = (
        pick("入力値（現在）", "Your value (now)", lang),
        pick("事例を当てはめた値", "With the case's effect", lang),
    )
    records = []
    for r in results.to_dict("records"):
        label = r["item"] if r["key"] not in ("paper_to", "paper_by") else f"{r['item']}：{r['reading']}"
        for series, value, about in ((now, r["before"], ""), (case, r["after"], pick("約", "about ", lang))):
            records.append(
                {
                    "item": label,
                    "series": series,
                    "value": value,
                    "unit": r["unit"],
                    "text": f"{about}{_n(value, lang)}{r['unit']}",
                    "figure": r["figure_value"],
                    "quote": r["quote"],
                    # Invisible point past the longest bar: room for its label on every row's own scale.
                    "pad": max(r["before"], r["after"]) * 1.3,
                }
            )
    df = pd.DataFrame(records, columns=["item", "series", "value", "unit", "text", "figure", "quote", "pad"])
    base = alt.Chart()
    y = alt.Y("series:N", title=None, sort=[now, case], axis=alt.Axis(labelFontSize=13, labelLimit=220))
    # Ticks in 万 for Japanese readers (20000 -> 2万), as on the programme charts.
    label_expr = (
        "format(datum.value, ',')"
        if lang == "en"
        else "datum.value >= 10000 ? format(datum.value / 10000, ',~r') + '万' : format(datum.value, ',')"
    )
    x = alt.X(
        "value:Q",
        title=None,
        axis=alt.Axis(labelFontSize=12, labelExpr=label_expr, tickCount=5),
        scale=alt.Scale(zero=True),
    )
    tooltip = [
        alt.Tooltip("item:N", title=pick("項目", "Item", lang)),
        alt.Tooltip("text:N", title=pick("値", "Value", lang)),
        alt.Tooltip("figure:N", title=pick("事例の数値", "Case figure", lang)),
        alt.Tooltip("quote:N", title=pick("引用", "Quote", lang)),
    ]
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=x,
        y=y,
        tooltip=tooltip,
        color=alt.Color(
            "series:N",
            sort=[now, case],
            scale=alt.Scale(domain=[now, case], range=[PALETTE[1], PALETTE[4]]),
            legend=alt.Legend(orient="top", title=None, labelFontSize=13),
        ),
    )
    labels = base.mark_text(align="left", dx=6, fontSize=13, fontWeight="bold").encode(
        x=x, y=y, text="text:N", tooltip=tooltip
    )
    pad = base.mark_point(opacity=0).encode(x="pad:Q", y=y)
    items = list(dict.fromkeys(df["item"])) if len(df) else []
    return (
        alt.layer(bars, labels, pad)
        .properties(width=width, height=alt.Step(28))
        .facet(
            row=alt.Row(
                "item:N",
                sort=items,
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontSize=14,
                    labelFontWeight="bold",
                ),
            ),
            data=df,
        )
        .resolve_scale(x="independent")
        .properties(
            title=alt.TitleParams(
                pick(
                    "うちの自治体なら（一つの事例を当てはめた例示）",
                    "For our municipality (illustration from one case)",
                    lang,
                ),
                subtitle=pick(*CAVEAT, lang),
                anchor="start",
                fontSize=16,
            )
        )
    )
