"""The editor's review of a draft, without streamlit: decisions, edits, highlighting and publishing.

The review page (pages/review.py via ui/review.py) only shows these and calls them; the same steps can
be scripted or tested headless.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jichitai_metrics.draft.files import (
    CHART_FIELDS,
    FIGURE_FIELDS,
    FINDING_FIELDS,
    PUBLISHED_STATES,
    REVIEW_COLUMNS,
    Problem,
    csv_text,
    draft_dir,
    publish,
    read_rows,
    toml_text,
)

KPI_FIGURES_PER_CHART = 4
MARK_CSS = (
    ".jm-report{white-space:pre-wrap;font-size:0.9rem;line-height:1.6;max-height:70vh;overflow-y:auto;"
    "border:1px solid #ddd;padding:0.5rem}"
    ".jm-report mark{background:#fff3a0}"
    ".jm-report mark[data-state=accepted]{background:#c8f0c8}"
    ".jm-report mark[data-state=derived]{background:#cde4ff}"
    ".jm-report mark[data-state=rejected]{background:#e4e4e4;text-decoration:line-through}"
    ".jm-report mark[data-state=current]{background:#ffb347;outline:2px solid #d2691e}"
)
# Fields an editor may change on a figure row (the quote may only be changed to another verbatim quote).
EDITABLE_FIGURE_FIELDS = (
    "label_ja",
    "label_en",
    "topic",
    "value",
    "unit",
    "qualifier",
    "baseline",
    "as_of",
    "fiscal_year",
    "kind",
    "quote",
    "note_ja",
    "note_en",
    "ambiguous",
    "derivation",
)
DECISION_LABELS = {
    "": ("未確認", "Proposed"),
    "accepted": ("採用", "Accepted"),
    "rejected": ("不採用", "Rejected"),
    "derived": ("算出値", "Derived"),
}


@dataclass
class DraftState:
    """A draft folder in memory: rows with their review decisions, the seminar tables, the report."""

    folder: Path
    seminar_id: str
    figures: list[dict]
    findings: list[dict]
    seminar: dict
    programmes: list[dict]
    report: str
    charts: list[dict] = field(default_factory=list)


def load_draft(data_dir: str | Path, seminar_id: str) -> DraftState:
    folder = draft_dir(data_dir, seminar_id)
    with (folder / "seminar.toml").open("rb") as fh:
        doc = tomllib.load(fh)
    report_path = folder / "report.txt"
    return DraftState(
        folder=folder,
        seminar_id=seminar_id,
        figures=read_rows(folder / "figures.csv"),
        findings=read_rows(folder / "findings.csv"),
        seminar=dict(doc.get("seminar", {})),
        programmes=[dict(p) for p in doc.get("program", [])],
        report=report_path.read_text(encoding="utf-8") if report_path.exists() else "",
        charts=read_rows(folder / "charts.csv"),
    )


def seminar_toml(state: DraftState) -> str:
    return toml_text(state.seminar, state.programmes)


def save_draft(state: DraftState) -> None:
    """Keep the editor's progress in the draft folder (decisions included), so review can resume."""
    (state.folder / "figures.csv").write_text(
        csv_text(state.figures, FIGURE_FIELDS + REVIEW_COLUMNS), encoding="utf-8"
    )
    (state.folder / "findings.csv").write_text(
        csv_text(state.findings, FINDING_FIELDS + REVIEW_COLUMNS), encoding="utf-8"
    )
    (state.folder / "seminar.toml").write_text(seminar_toml(state), encoding="utf-8")


def decide(rows: list[dict], row_id: str, decision: str, id_field: str = "id") -> None:
    """Record accept / reject / derived (or "" to undo) on one row."""
    if decision not in DECISION_LABELS:
        raise ValueError(f"unknown decision {decision!r}")
    for row in rows:
        if row[id_field] == row_id:
            row["review"] = decision
            if decision == "derived":
                row["kind"] = "derived"
            return
    raise KeyError(row_id)


def edit(rows: list[dict], row_id: str, changes: dict[str, str]) -> None:
    for row in rows:
        if row["id"] == row_id:
            row.update({k: str(v).strip() for k, v in changes.items()})
            return
    raise KeyError(row_id)


def add_derived(rows: list[dict], row_id: str) -> str:
    """A new derived row after row_id, quoting the same words (a derived value quotes the figures it is
    derived from); value and derivation are left empty for the editor, so it cannot pass unfilled."""
    index = next(i for i, r in enumerate(rows) if r["id"] == row_id)
    n = 1
    while any(r["id"] == f"{row_id}-d{n}" for r in rows):
        n += 1
    new = {
        **rows[index],
        "id": f"{row_id}-d{n}",
        "kind": "derived",
        "value": "",
        "derivation": "",
        "label_ja": "",
        "label_en": "",
        "review": "",
        "needs_review": "算出値: 値と算出方法を書く",
    }
    rows.insert(index + 1, new)
    return str(new["id"])


def default_charts(seminar_id: str, figures: list[dict]) -> list[dict]:
    """One key-figures chart per programme from the published figures, so slides and programme pages
    have something to draw until the editor writes charts.csv by hand."""
    by_program: dict[str, list[str]] = {}
    for row in figures:
        if row.get("review") in PUBLISHED_STATES and row.get("value", "") != "" and row.get("unit"):
            by_program.setdefault(str(row.get("program", "")), []).append(row["id"])
    charts = []
    for order, (program, ids) in enumerate(sorted(by_program.items(), key=lambda kv: (kv[0] == "", kv[0]))):
        label = f"Program{program}" if program else "セミナー"
        charts.append(
            {
                "chart_id": f"{seminar_id}-kpi-{program or 's'}",
                "seminar_id": seminar_id,
                "program": program,
                "order": order + 1,
                "chart_type": "kpi",
                "title_ja": f"{label}の主な数値",
                "title_en": f"{'Programme ' + program if program else 'Seminar'}: key figures",
                "figure_ids": " ".join(ids[:KPI_FIGURES_PER_CHART]),
                "note_ja": "",
                "note_en": "",
            }
        )
    return charts


def publish_state(data_dir: str | Path, state: DraftState, make_charts: bool = True) -> list[Problem]:
    """Save progress, then publish to data/seminars/<id>/ only if the catalogue check passes."""
    save_draft(state)
    charts = state.charts or (default_charts(state.seminar_id, state.figures) if make_charts else [])
    problems = publish(
        data_dir,
        state.seminar_id,
        state.figures,
        state.findings,
        [{k: c.get(k, "") for k in CHART_FIELDS} for c in charts],
        seminar_toml(state),
        state.report,
    )
    if not problems:  # a marked draft in data/seminars/ is live now; its working files are in data/drafts/
        state.folder = draft_dir(data_dir, state.seminar_id)
    return problems


def highlighted_report_html(report: str, quotes: list[tuple[str, str]]) -> str:
    """The report as escaped HTML with each (quote, state) marked where it occurs.

    Everything from the report is escaped (html.escape), and the result is meant for st.html, which does
    not render Markdown: a link or image written in the report stays plain text.
    """
    marks: list[tuple[int, int, str]] = []
    for quote, state in quotes:
        if not quote:
            continue
        pos = report.find(quote)
        while pos >= 0:
            marks.append((pos, pos + len(quote), state))
            pos = report.find(quote, pos + 1)
    marks.sort()
    out, cursor = [], 0
    for start, end, state in marks:
        if start < cursor:
            continue  # overlapping quotes: the first one keeps the mark
        out.append(html.escape(report[cursor:start]))
        out.append(
            f'<mark data-state="{html.escape(state or "proposed")}">{html.escape(report[start:end])}</mark>'
        )
        cursor = end
    out.append(html.escape(report[cursor:]))
    # Streamlit's st.html sanitiser drops style attributes, so colours come from one <style> block.
    return f'<style>{MARK_CSS}</style><div class="jm-report">' + "".join(out) + "</div>"
