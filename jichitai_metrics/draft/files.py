"""Draft folders on disk, in the catalogue's own format, and the catalogue check that gates publishing.

A draft lives in `data/drafts/<id>/` (the catalogue reads only `data/seminars/`, so a half-reviewed draft
never breaks the dashboard): figures.csv and findings.csv with two extra columns (`needs_review`, the
drafter's reasons; `review`, the editor's decision), charts.csv, seminar.toml and report.txt (the text
the quotes come from). Publishing copies the accepted rows into `data/seminars/<id>/` only after the
whole data folder, with the new seminar in it, passes `catalog.build_catalog`.

A draft may also be written straight into `data/seminars/<id>/` (`draft --out data/seminars/ID`, the issue's
form): it then holds a `catalog.DRAFT_MARK` file, written before anything else, so the loader skips it and
the dashboard keeps working. Publishing it checks it like any draft; only when the check passes is the
folder replaced by the published files (no marker) and the editor's working files move to data/drafts/<id>/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jichitai_metrics import catalog
from jichitai_metrics.draft.drafter import Draft
from jichitai_metrics.errors import CatalogError

DRAFTS_DIR = "drafts"
REVIEW_COLUMNS = ("needs_review", "review")
FIGURE_FIELDS = tuple(c.name for c in catalog.FIGURE_COLUMNS)
FINDING_FIELDS = tuple(c.name for c in catalog.FINDING_COLUMNS)
CHART_FIELDS = tuple(c.name for c in catalog.CHART_COLUMNS)
REVIEW_STATES = ("", "accepted", "rejected", "derived")  # "" = proposed, not yet decided
PUBLISHED_STATES = ("accepted", "derived")
PUBLISHED_MARK = ".published-from-draft"  # lets a reviewed seminar be republished, never a hand-made one
DRAFT_MARK_TEXT = (
    "下書き（未確認）: カタログには読み込まれません。"
    "レビュー画面で検査して公開すると、このファイルは消えます。 / "
    "Unreviewed draft: not loaded by the catalogue; publishing it on the review page removes this file.\n"
)


def is_marked_draft(folder: Path) -> bool:
    """A draft sitting among the live seminars (the loader skips it)."""
    return (folder / catalog.DRAFT_MARK).is_file()


def draft_dir(data_dir: str | Path, seminar_id: str) -> Path:
    """The draft's folder: a marked draft in data/seminars/<id>/ if there is one, else data/drafts/<id>/."""
    marked = Path(data_dir) / catalog.SEMINARS_DIR / seminar_id
    if is_marked_draft(marked):
        return marked
    return Path(data_dir) / DRAFTS_DIR / seminar_id


def list_drafts(data_dir: str | Path) -> list[str]:
    """Seminar ids with a draft: a folder under data/drafts/ or a marked folder under data/seminars/."""
    found: set[str] = set()
    for sub, marked_only in ((DRAFTS_DIR, False), (catalog.SEMINARS_DIR, True)):
        base = Path(data_dir) / sub
        if base.is_dir():
            found |= {
                p.name
                for p in base.iterdir()
                if p.is_dir()
                and not p.name.startswith(".")
                and (p / "figures.csv").exists()
                and (not marked_only or is_marked_draft(p))
            }
    return sorted(found)


def csv_text(rows: list[dict], fields: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in fields})
    return out.getvalue()


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # JSON string escapes are valid TOML basic-string escapes; DEL must be escaped in TOML only.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007F")


def toml_text(seminar: dict, programmes: list[dict], comments: list[str] | None = None) -> str:
    """seminar.toml text: [seminar] then [[program]] tables with their [[program.career]] steps."""
    lines = [f"# {c}" for c in comments or []]
    lines.append("[seminar]")
    for key, value in seminar.items():
        if value is None or value == "" and key in ("held_on", "registrants", "fiscal_year", "program_count"):
            lines.append(f"# {key} = (not stated in the report)")
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    for prog in programmes:
        lines += ["", "[[program]]"]
        for key, value in prog.items():
            if key != "career":
                lines.append(f"{key} = {_toml_value(value)}")
        for step in prog.get("career", []):
            lines += ["", "[[program.career]]"]
            for key in ("year", "when_ja", "event_ja", "event_en"):
                if step.get(key) not in (None, ""):
                    lines.append(f"{key} = {_toml_value(step[key])}")
    return "\n".join(lines) + "\n"


def seminar_tables(draft: Draft) -> tuple[dict, list[dict], list[str]]:
    """What the report states about the seminar; everything else empty for the editor."""
    o = draft.outline
    held_on: object = date.fromisoformat(o.held_on) if o.held_on else None
    seminar = {
        "id": draft.seminar_id,
        "title_ja": o.title_ja,
        "title_en": "",
        "report_title": o.report_title,
        "organiser": o.organiser,
        "held_on": held_on,
        "fiscal_year": o.fiscal_year,
        "audience_ja": o.audience_ja,
        "audience_en": "",
        "registrants": o.registrants,
        "program_count": len(o.programmes),
        "source_note": f"{o.organiser}「{o.report_title}」" if o.organiser else o.report_title,
    }
    programmes = [
        {
            "number": p.number,
            "title_ja": p.title,
            "title_en": "",
            "speaker_ja": p.speaker_ja,
            "speaker_en": "",
            "role_ja": p.role_ja,
            "role_en": "",
            "organisation_ja": p.organisation_ja,
            "organisation_en": "",
            "summary_ja": "",
            "summary_en": "",
            "key_points_ja": [],
            "key_points_en": [],
            "career": [{**c, "event_en": ""} for c in p.career],
        }
        for p in o.programmes
    ]
    comments = [
        "DRAFT made by `jichitai-metrics draft` from report.txt: check every line against the report.",
        "Summaries, key points and English texts are left empty on purpose: write them in your own words.",
    ]
    if o.held_on_note:
        comments.append(f"held_on: {o.held_on_note}.")
    return seminar, programmes, comments


def write_draft(draft: Draft, out: Path) -> None:
    """Write the draft folder (figures, findings, charts, seminar.toml, report.txt). Among the live
    seminars (data/seminars/<id>/) the draft marker is written first, so the loader never sees it unmarked."""
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve().parent.name == catalog.SEMINARS_DIR:
        (out / catalog.DRAFT_MARK).write_text(DRAFT_MARK_TEXT, encoding="utf-8")
    (out / "figures.csv").write_text(
        csv_text(draft.figures, FIGURE_FIELDS + REVIEW_COLUMNS), encoding="utf-8"
    )
    if draft.findings:
        (out / "findings.csv").write_text(
            csv_text(draft.findings, FINDING_FIELDS + REVIEW_COLUMNS), encoding="utf-8"
        )
    (out / "charts.csv").write_text(csv_text([], CHART_FIELDS), encoding="utf-8")
    seminar, programmes, comments = seminar_tables(draft)
    (out / "seminar.toml").write_text(toml_text(seminar, programmes, comments), encoding="utf-8")
    (out / "report.txt").write_text(draft.text, encoding="utf-8")


# -- validation ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    problem: str
    draft: bool = False  # found in a marked draft folder among the live seminars

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        column = "column " + repr(self.column) + ": " if self.column else ""
        return f"{where}: {column}{self.problem}{' (draft)' if self.draft else ''}"


def _problem(exc: CatalogError) -> Problem:
    return Problem(exc.file, exc.row, exc.column, exc.problem)


def validate_data_dir(data_dir: str | Path) -> list[Problem]:
    """Every problem the catalogue check finds: one per seminar folder (the loader stops at a folder's first
    problem), then the checks across folders (ids unique across seminars). Marked drafts in data/seminars/
    are checked too, as if live (their problems say "(draft)"). Empty list = publishable."""
    root = Path(data_dir)
    if (root / "seminar.toml").exists():  # a single seminar or draft folder
        return validate_folder(root)
    base = root / catalog.SEMINARS_DIR
    if not base.is_dir():
        return [Problem(str(base), None, None, "folder not found")]
    problems = []
    folders = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        problems += validate_folder(folder, rel_root=root)
    if not problems:
        with tempfile.TemporaryDirectory(prefix="jm-validate-") as tmp:
            for folder in folders:  # the marks dropped: drafts are checked against the live ids too
                shutil.copytree(
                    folder,
                    Path(tmp) / catalog.SEMINARS_DIR / folder.name,
                    ignore=shutil.ignore_patterns(catalog.DRAFT_MARK),
                )
            try:
                catalog.build_catalog(tmp)
            except CatalogError as exc:
                problems.append(_problem(exc))
    return problems


def validate_folder(folder: Path, rel_root: Path | None = None) -> list[Problem]:
    """The catalogue check on one seminar folder, as if it were the only seminar."""
    with tempfile.TemporaryDirectory(prefix="jm-validate-") as tmp:
        target = Path(tmp) / catalog.SEMINARS_DIR / folder.name
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns(catalog.DRAFT_MARK))
        try:
            catalog.build_catalog(tmp)
        except CatalogError as exc:
            p = _problem(exc)
            prefix = folder.relative_to(rel_root).as_posix() if rel_root else str(folder)
            file = p.file.replace(f"{catalog.SEMINARS_DIR}/{folder.name}", prefix, 1)
            return [Problem(file, p.line, p.column, p.problem, draft=is_marked_draft(folder))]
    return []


# -- publishing -----------------------------------------------------------------------------------------


def published_rows(rows: list[dict], fields: tuple[str, ...]) -> list[dict]:
    """The rows an editor accepted (or marked derived), without the review columns."""
    return [{k: r.get(k, "") for k in fields} for r in rows if r.get("review") in PUBLISHED_STATES]


def quote_problems(rows: list[dict], report: str, file: str) -> list[Problem]:
    """Quotes must stay verbatim: an edited quote that is not in the report is refused."""
    return [
        Problem(file, i + 2, "quote", f"'{r['quote']}' does not occur in the report text")
        for i, r in enumerate(rows)
        if r.get("quote") and report and r["quote"] not in report
    ]


def publish(
    data_dir: str | Path,
    seminar_id: str,
    figures: list[dict],
    findings: list[dict],
    charts: list[dict],
    toml: str,
    report: str = "",
) -> list[Problem]:
    """Write data/seminars/<id>/ if, and only if, the data folder with it passes the catalogue check.

    The candidate is checked in a temporary copy of the data folder first; the live folder is then
    replaced by a rename, so a reader never sees half-written files. Returns the problems (empty = done).
    A marked draft in data/seminars/<id>/ is the editor's: it is replaced only when the check passes (the
    marker goes with it) and its working files move to data/drafts/<id>/ so review can go on.
    """
    root = Path(data_dir)
    live_folder = root / catalog.SEMINARS_DIR / seminar_id
    ours = (live_folder / PUBLISHED_MARK).exists() or is_marked_draft(live_folder)
    if live_folder.exists() and not ours:
        # Never overwrite a hand-made catalogue (re-drafting Day 1 under its own id, say).
        return [
            Problem(
                f"{catalog.SEMINARS_DIR}/{seminar_id}",
                None,
                None,
                "a seminar with this id already exists and was not published from a draft; "
                "use another id / この ID のセミナーは既にあり、下書きから公開したものではありません",
            )
        ]
    fig_rows = published_rows(figures, FIGURE_FIELDS)
    find_rows = published_rows(findings, FINDING_FIELDS)
    problems = quote_problems(fig_rows, report, "figures.csv") + quote_problems(
        find_rows, report, "findings.csv"
    )
    try:
        tomllib.loads(toml)
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem("seminar.toml", None, None, f"is not valid TOML: {exc}"))
    if problems:
        return problems
    files = {
        "figures.csv": csv_text(fig_rows, FIGURE_FIELDS),
        "charts.csv": csv_text(charts, CHART_FIELDS),
        "seminar.toml": toml,
    }
    if find_rows:
        files["findings.csv"] = csv_text(find_rows, FINDING_FIELDS)
    with tempfile.TemporaryDirectory(prefix="jm-publish-") as tmp:
        candidate = Path(tmp) / "data"
        seminars = candidate / catalog.SEMINARS_DIR
        seminars.mkdir(parents=True)
        live = root / catalog.SEMINARS_DIR
        if live.is_dir():
            for other in live.iterdir():
                if other.is_dir() and not other.name.startswith(".") and other.name != seminar_id:
                    shutil.copytree(other, seminars / other.name)
        (seminars / seminar_id).mkdir()
        for name, content in files.items():
            (seminars / seminar_id / name).write_text(content, encoding="utf-8")
        try:
            catalog.build_catalog(candidate)
        except CatalogError as exc:
            p = _problem(exc)
            return [Problem(p.file.removeprefix(f"{catalog.SEMINARS_DIR}/"), p.line, p.column, p.problem)]
    live = root / catalog.SEMINARS_DIR
    live.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{seminar_id}-", dir=live))  # dot folders are not loaded
    for name, content in files.items():
        (staging / name).write_text(content, encoding="utf-8")
    (staging / PUBLISHED_MARK).write_text(f"published from {DRAFTS_DIR}/{seminar_id}/\n", encoding="utf-8")
    os.chmod(staging, 0o755)
    target = live / seminar_id
    old = live / f".{seminar_id}-old"
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if is_marked_draft(old):  # keep the editor's working files (decisions, report.txt) as a draft
        (old / catalog.DRAFT_MARK).unlink()
        kept = root / DRAFTS_DIR / seminar_id
        if kept.exists():
            shutil.rmtree(kept)
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(old, kept)
    if old.exists():
        shutil.rmtree(old)
    return []
