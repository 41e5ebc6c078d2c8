"""Load and validate data/ into an in-memory DuckDB catalogue: the one place that knows file formats.

Each seminar is a folder `data/seminars/<id>/` (seminar.toml, figures.csv, findings.csv, charts.csv), so a
new report is new files, never new code. Any problem becomes one CatalogError naming file, line and column.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from jichitai_metrics.errors import CatalogError

SEMINARS_DIR = "seminars"
# A seminar folder holding this file is an unreviewed draft (`draft --out data/seminars/ID`):
# not live, not loaded.
DRAFT_MARK = "DRAFT"
QUALIFIERS = ("", "約", "以上", "以下", "未満")
KINDS = ("reported", "target", "derived")
# Every chart type charts.py can draw (charts.py reads this tuple: one list, so none is refused here
# that the builders accept).
CHART_TYPES = (
    "share_comparison",
    "baseline_change",
    "target_progress",
    "ratio",
    "value_bars",
    "counts",
    "kpi",
)
ISO_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー－"})


def normalise_search(text: str) -> str:
    """Width- and case-insensitive form used for search on both sides (NFKC, dashes, lower case)."""
    return unicodedata.normalize("NFKC", str(text or "")).translate(DASHES).lower()


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"  # text | int | float | bool | date_partial
    required: bool = True
    choices: tuple[str, ...] | None = None
    optional_header: bool = False  # the column may be left out of the file (all blank then)


FIGURE_COLUMNS = (
    Column("id"),
    Column("seminar_id"),
    Column("program", "int", required=False),
    Column("topic"),
    Column("label_ja"),
    Column("label_en"),
    Column("value", "float"),
    Column("unit"),
    Column("qualifier", required=False, choices=QUALIFIERS),
    Column("baseline", required=False),
    Column("as_of", "date_partial", required=False),
    Column("fiscal_year", "int", required=False),
    Column("kind", choices=KINDS),
    Column("quote"),
    Column("note_ja", required=False),
    Column("note_en", required=False),
    Column("ambiguous", "bool"),
    Column("derivation", required=False),
    # true where the report gives no date and as_of is the seminar day, assumed (said on every caption).
    Column("as_of_assumed", "bool", required=False, optional_header=True),
)
FINDING_COLUMNS = (
    Column("id"),
    Column("seminar_id"),
    Column("program", "int", required=False),
    Column("topic"),
    Column("statement_ja"),
    Column("statement_en"),
    Column("quote"),
    Column("note_ja", required=False),
    Column("note_en", required=False),
)
CHART_COLUMNS = (
    Column("chart_id"),
    Column("seminar_id"),
    Column("program", "int", required=False),
    Column("order", "int"),
    Column("chart_type", choices=CHART_TYPES),
    Column("title_ja"),
    Column("title_en"),
    Column("figure_ids"),
    Column("note_ja", required=False),
    Column("note_en", required=False),
)
SEMINAR_KEYS = {
    "id": str,
    "title_ja": str,
    "title_en": str,
    "report_title": str,
    "organiser": str,
    "held_on": date,
    "fiscal_year": int,
    "audience_ja": str,
    "registrants": int,
    "program_count": int,
}
# Optional keys still get a column, so queries can name them even when no seminar sets them.
OPTIONAL_SEMINAR_KEYS = (
    "organiser_en",
    "audience_en",
    "format_ja",
    "format_en",
    "source_note",
    "held_on_note_ja",
    "held_on_note_en",
)
OPTIONAL_PROGRAM_KEYS = ("role_en", "organisation_en")
PROGRAM_KEYS = {
    "number": int,
    "title_ja": str,
    "title_en": str,
    "speaker_ja": str,
    "speaker_en": str,
    "role_ja": str,
    "organisation_ja": str,
    "summary_ja": str,
    "summary_en": str,
    "key_points_ja": list,
    "key_points_en": list,
}


def _read_csv(path: Path, columns: tuple[Column, ...], rel: str) -> pd.DataFrame:
    """Read a CSV as text, then check and convert each column; errors name the file line (header = 1)."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(rel, f"is not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CatalogError(rel, f"cannot be read as CSV: {exc}") from exc
    for c in columns:
        if c.optional_header and c.name not in raw.columns:
            raw[c.name] = ""
    missing = [c.name for c in columns if c.name not in raw.columns]
    if missing:
        raise CatalogError(rel, f"missing column(s): {', '.join(missing)} (line 1 is the header)", row=1)
    out: dict[str, list] = {c.name: [] for c in columns}
    for index, record in raw.iterrows():
        line = int(index) + 2
        for c in columns:
            text = str(record[c.name]).strip()
            out[c.name].append(_convert(text, c, rel, line))
    frame = pd.DataFrame(out, dtype=object)  # object keeps None as None, not NaN
    frame["position"] = range(len(frame))
    return frame


def _convert(text: str, column: Column, rel: str, line: int) -> object:
    if text == "":
        if column.required:
            raise CatalogError(rel, "is empty but required", row=line, column=column.name)
        return None
    if column.choices is not None and text not in column.choices:
        allowed = " / ".join(c or "(blank)" for c in column.choices)
        raise CatalogError(rel, f"'{text}' is not one of {allowed}", row=line, column=column.name)
    try:
        if column.type == "int":
            return int(text)
        if column.type == "float":
            value = float(text)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
            return value
    except ValueError:
        kind = "a whole number" if column.type == "int" else "a number (no unit, no commas)"
        raise CatalogError(rel, f"'{text}' is not {kind}", row=line, column=column.name) from None
    if column.type == "bool":
        if text.lower() not in ("true", "false"):
            raise CatalogError(rel, f"'{text}' must be true or false", row=line, column=column.name)
        return text.lower() == "true"
    if column.type == "date_partial" and not ISO_PARTIAL_DATE.match(text):
        raise CatalogError(
            rel, f"'{text}' is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)", row=line, column=column.name
        )
    return text


def _read_toml(path: Path, rel: str) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(rel, f"is not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(rel, "is not UTF-8 text; save it as UTF-8") from exc


def _check_keys(table: dict, keys: dict[str, type], rel: str, where: str) -> None:
    for key, typ in keys.items():
        if key not in table or table[key] in ("", None):
            raise CatalogError(rel, f"{where}: '{key}' is missing")
        value = table[key]
        if typ is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise CatalogError(rel, f"{where}: '{key}' must be a whole number, not {value!r}")
        if typ is date and not isinstance(value, date):
            raise CatalogError(rel, f"{where}: '{key}' must be a date like 2022-09-21, not {value!r}")
        if typ in (str, list) and not isinstance(value, typ):
            raise CatalogError(rel, f"{where}: '{key}' must be a {typ.__name__}, not {value!r}")


@dataclass
class _Tables:
    seminars: list[dict]
    programs: list[dict]
    career: list[dict]
    headlines: list[dict]
    figures: list[pd.DataFrame]
    findings: list[pd.DataFrame]
    charts: list[pd.DataFrame]


def _load_seminar(folder: Path, root: Path, tables: _Tables) -> None:
    rel_dir = folder.relative_to(root).as_posix()
    toml_rel = f"{rel_dir}/seminar.toml"
    if not (folder / "seminar.toml").exists():
        raise CatalogError(toml_rel, "is missing: every seminar folder needs one")
    doc = _read_toml(folder / "seminar.toml", toml_rel)
    seminar = doc.get("seminar")
    if not isinstance(seminar, dict):
        raise CatalogError(toml_rel, "has no [seminar] table")
    _check_keys(seminar, SEMINAR_KEYS, toml_rel, "[seminar]")
    sid = seminar["id"]
    if sid != folder.name:
        raise CatalogError(toml_rel, f"[seminar] id '{sid}' must match its folder name '{folder.name}'")
    if not SLUG.match(sid):
        raise CatalogError(toml_rel, f"[seminar] id '{sid}' must be lower-case letters, digits and hyphens")
    programs = doc.get("program", [])
    numbers: set[int] = set()
    for i, prog in enumerate(programs, start=1):
        where = f"[[program]] #{i}"
        _check_keys(prog, PROGRAM_KEYS, toml_rel, where)
        if prog["number"] in numbers:
            raise CatalogError(toml_rel, f"{where}: programme number {prog['number']} appears twice")
        numbers.add(prog["number"])
        for lang in ("ja", "en"):
            points = prog[f"key_points_{lang}"]
            if not 3 <= len(points) <= 5:
                raise CatalogError(
                    toml_rel, f"{where}: key_points_{lang} must hold 3 to 5 points, not {len(points)}"
                )
        tables.programs.append(
            {
                "seminar_id": sid,
                **{k: (v.strip() if isinstance(v, str) else v) for k, v in prog.items() if k != "career"},
            }
        )
        for pos, step in enumerate(prog.get("career", [])):
            if not step.get("event_ja"):
                raise CatalogError(toml_rel, f"{where}: career entry {pos + 1} has no event_ja")
            tables.career.append(
                {
                    "seminar_id": sid,
                    "program": prog["number"],
                    "position": pos,
                    "year": step.get("year"),
                    "when_ja": step.get("when_ja", ""),
                    "event_ja": step["event_ja"],
                    "event_en": step.get("event_en", ""),
                }
            )
    if len(numbers) != seminar["program_count"]:
        raise CatalogError(
            toml_rel,
            f"program_count is {seminar['program_count']} but {len(numbers)} [[program]] tables are given",
        )
    tables.seminars.append({k: v for k, v in seminar.items() if k != "headline_figures"})

    def seminar_rows(name: str, columns: tuple[Column, ...], required: bool) -> pd.DataFrame | None:
        path, rel = folder / name, f"{rel_dir}/{name}"
        if not path.exists():
            if required:
                raise CatalogError(rel, "is missing")
            return None
        frame = _read_csv(path, columns, rel)
        for pos, row in frame.iterrows():
            line = int(pos) + 2
            if row["seminar_id"] != sid:
                raise CatalogError(
                    rel,
                    f"seminar_id '{row['seminar_id']}' does not match folder '{sid}'",
                    row=line,
                    column="seminar_id",
                )
            program = row["program"]
            if program is not None and program not in numbers:
                raise CatalogError(
                    rel, f"programme {program} is not in seminar.toml", row=line, column="program"
                )
        return frame

    figures = seminar_rows("figures.csv", FIGURE_COLUMNS, required=True)
    assert figures is not None
    rel = f"{rel_dir}/figures.csv"
    for pos, row in figures.iterrows():
        line = int(pos) + 2
        if row["kind"] == "derived" and not row["derivation"]:
            raise CatalogError(
                rel, "a derived figure must say how it was derived", row=line, column="derivation"
            )
        if row["ambiguous"] and not row["note_ja"]:
            raise CatalogError(
                rel, "an ambiguous figure must explain why in note_ja", row=line, column="note_ja"
            )
    figures["search_text"] = [
        normalise_search(
            " ".join(
                str(r[c] or "")
                for c in ("label_ja", "label_en", "topic", "quote", "note_ja", "note_en", "id")
            )
        )
        for _, r in figures.iterrows()
    ]
    tables.figures.append(figures)
    findings = seminar_rows("findings.csv", FINDING_COLUMNS, required=False)
    if findings is not None:
        tables.findings.append(findings)
    known_ids = set(figures["id"])
    headline = seminar.get("headline_figures", [])
    for pos, fid in enumerate(headline):
        if fid not in known_ids:
            raise CatalogError(toml_rel, f"headline_figures names '{fid}', which is not in figures.csv")
        tables.headlines.append({"seminar_id": sid, "position": pos, "figure_id": fid})
    charts = seminar_rows("charts.csv", CHART_COLUMNS, required=False)
    if charts is not None:
        rel = f"{rel_dir}/charts.csv"
        for pos, row in charts.iterrows():
            for fid in row["figure_ids"].split():
                if fid not in known_ids:
                    raise CatalogError(
                        rel, f"figure '{fid}' is not in figures.csv", row=int(pos) + 2, column="figure_ids"
                    )
        tables.charts.append(charts)


def _unique(frame: pd.DataFrame, column: str, what: str) -> None:
    dupes = frame[frame[column].duplicated()][column].tolist()
    if dupes:
        raise CatalogError(
            what,
            f"id '{dupes[0]}' is used more than once (ids must be unique across seminars)",
            column=column,
        )


def build_catalog(data_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """Read every seminar folder under data_dir into a fresh in-memory DuckDB connection (dot folders and
    folders holding a DRAFT_MARK file are skipped: they are not live)."""
    root = Path(data_dir)
    base = root / SEMINARS_DIR
    if not base.is_dir():
        raise CatalogError(str(base), "folder not found: set JICHITAI_DATA_DIR to the data/ folder")
    folders = sorted(
        p
        for p in base.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not (p / DRAFT_MARK).exists()
    )
    if not folders:
        raise CatalogError(str(base), "holds no seminar folders")
    tables = _Tables([], [], [], [], [], [], [])
    for folder in folders:
        _load_seminar(folder, root, tables)

    figures = pd.concat(tables.figures, ignore_index=True)
    _unique(figures, "id", "figures.csv")
    findings = (
        pd.concat(tables.findings, ignore_index=True)
        if tables.findings
        else pd.DataFrame({c.name: pd.Series(dtype="object") for c in FINDING_COLUMNS} | {"position": []})
    )
    if len(findings):
        _unique(findings, "id", "findings.csv")
    charts = (
        pd.concat(tables.charts, ignore_index=True)
        if tables.charts
        else pd.DataFrame({c.name: pd.Series(dtype="object") for c in CHART_COLUMNS} | {"position": []})
    )
    if len(charts):
        _unique(charts, "chart_id", "charts.csv")
    chart_figures = pd.DataFrame(
        [
            {"chart_id": r.chart_id, "position": i, "figure_id": fid}
            for r in charts.itertuples()
            for i, fid in enumerate(str(r.figure_ids).split())
        ],
        columns=["chart_id", "position", "figure_id"],
    )
    seminars = pd.DataFrame(tables.seminars)
    seminars["held_on"] = pd.to_datetime(seminars["held_on"]).dt.date
    programs = pd.DataFrame(tables.programs)
    for frame, optional in ((seminars, OPTIONAL_SEMINAR_KEYS), (programs, OPTIONAL_PROGRAM_KEYS)):
        for key in optional:
            if key not in frame:
                frame[key] = None
    career = pd.DataFrame(
        tables.career,
        columns=["seminar_id", "program", "position", "year", "when_ja", "event_ja", "event_en"],
    )
    career["year"] = career["year"].astype("Int64")
    headlines = pd.DataFrame(tables.headlines, columns=["seminar_id", "position", "figure_id"])
    for frame in (figures, findings, charts):
        frame["program"] = frame["program"].astype("Int64")
    figures["fiscal_year"] = figures["fiscal_year"].astype("Int64")
    figures["as_of_assumed"] = figures["as_of_assumed"].astype("boolean").fillna(False)

    con = duckdb.connect(":memory:")
    for name, frame in {
        "seminars": seminars,
        "programs": programs,
        "career": career,
        "headlines": headlines,
        "figures": figures,
        "findings": findings,
        "charts": charts,
        "chart_figures": chart_figures,
    }.items():
        con.register(f"_{name}", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")
        con.unregister(f"_{name}")
    # pandas hands dates over as timestamps; the catalogue's dates are calendar days.
    con.execute("ALTER TABLE seminars ALTER held_on TYPE DATE")
    return con
