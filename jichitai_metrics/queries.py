"""All catalogue SQL: one named function per question, parameters bound, DataFrames out."""

from __future__ import annotations

import duckdb
import pandas as pd

from jichitai_metrics.catalog import normalise_search
from jichitai_metrics.errors import UnknownSeminar

# Figures with the context every caption and export needs (seminar, programme, speaker).
_FIGURES_SELECT = (
    """
SELECT f.id, f.seminar_id, f.program, f.topic, f.label_ja, f.label_en, f.value, f.unit,
       coalesce(f.qualifier, '') AS qualifier, f.baseline, f.as_of, f.fiscal_year, f.kind, f.quote,
       f.note_ja, f.note_en, f.ambiguous, f.derivation, f.as_of_assumed,
       s.title_ja AS seminar_title_ja, s.title_en AS seminar_title_en, s.report_title, """
    """s.organiser, s.organiser_en,
       s.held_on AS seminar_held_on,
       p.title_ja AS program_title_ja, p.title_en AS program_title_en,
       p.speaker_ja, p.speaker_en, p.organisation_ja, p.organisation_en, p.role_ja, p.role_en
FROM figures f
JOIN seminars s ON s.id = f.seminar_id
LEFT JOIN programs p ON p.seminar_id = f.seminar_id AND p.number = f.program
"""
)


def seminars(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every seminar, oldest first."""
    return con.execute("SELECT * FROM seminars ORDER BY held_on, id").df()


def seminar(con: duckdb.DuckDBPyConnection, seminar_id: str) -> dict:
    """One seminar as a dict; UnknownSeminar if the id is not in the catalogue."""
    frame = con.execute("SELECT * FROM seminars WHERE id = ?", [seminar_id]).df()
    if frame.empty:
        raise UnknownSeminar(f"unknown seminar id '{seminar_id}'")
    row = frame.iloc[0].to_dict()
    row["held_on"] = pd.Timestamp(row["held_on"]).date()  # DuckDB DATE arrives as a pandas Timestamp
    return row


def programs(con: duckdb.DuckDBPyConnection, seminar_id: str) -> pd.DataFrame:
    """The programmes of one seminar in running order."""
    return con.execute("SELECT * FROM programs WHERE seminar_id = ? ORDER BY number", [seminar_id]).df()


def program(con: duckdb.DuckDBPyConnection, seminar_id: str, number: int) -> dict:
    """One programme as a dict; UnknownSeminar if the seminar has no such programme."""
    frame = con.execute(
        "SELECT * FROM programs WHERE seminar_id = ? AND number = ?", [seminar_id, number]
    ).df()
    if frame.empty:
        raise UnknownSeminar(f"seminar '{seminar_id}' has no programme {number}")
    row = frame.iloc[0].to_dict()
    row["key_points_ja"] = list(row["key_points_ja"])
    row["key_points_en"] = list(row["key_points_en"])
    return row


def career(con: duckdb.DuckDBPyConnection, seminar_id: str, number: int) -> pd.DataFrame:
    """The speaker's career timeline as the profile gives it."""
    return con.execute(
        "SELECT year, when_ja, event_ja, event_en FROM career WHERE seminar_id = ? AND program = ? "
        "ORDER BY position",
        [seminar_id, number],
    ).df()


def figures(
    con: duckdb.DuckDBPyConnection,
    seminar_id: str | None = None,
    program: int | None = None,
    topic: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
    text: str | None = None,
    ids: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Figures matching every given filter; `text` matches labels, quotes and notes width-insensitively."""
    where: list[str] = []
    params: list[object] = []
    for column, value in (
        ("f.seminar_id", seminar_id),
        ("f.program", program),
        ("f.topic", topic),
        ("f.unit", unit),
        ("f.kind", kind),
    ):
        if value is not None and value != "":
            where.append(f"{column} = ?")
            params.append(value)
    if text:
        for term in normalise_search(text).split():
            where.append("contains(f.search_text, ?)")
            params.append(term)
    if ids is not None:
        where.append("list_contains(?, f.id)")
        params.append(list(ids))
    sql = _FIGURES_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY s.held_on, f.seminar_id, f.program NULLS FIRST, f.position"
    return con.execute(sql, params).df()


def figure_topics(con: duckdb.DuckDBPyConnection, seminar_id: str | None = None) -> list[str]:
    """Distinct topics, in the order they first appear."""
    rows = con.execute(
        "SELECT topic FROM figures WHERE ? IS NULL OR seminar_id = ? GROUP BY topic ORDER BY min(position)",
        [seminar_id, seminar_id],
    ).fetchall()
    return [r[0] for r in rows]


def figure_units(con: duckdb.DuckDBPyConnection, seminar_id: str | None = None) -> list[str]:
    """Distinct units, in the order they first appear."""
    rows = con.execute(
        "SELECT unit FROM figures WHERE ? IS NULL OR seminar_id = ? GROUP BY unit ORDER BY min(position)",
        [seminar_id, seminar_id],
    ).fetchall()
    return [r[0] for r in rows]


def findings(
    con: duckdb.DuckDBPyConnection, seminar_id: str | None = None, program: int | None = None
) -> pd.DataFrame:
    """Qualitative findings (no number), each with its quote."""
    return con.execute(
        "SELECT * FROM findings WHERE (? IS NULL OR seminar_id = ?) AND (? IS NULL OR program = ?) "
        "ORDER BY seminar_id, program NULLS FIRST, position",
        [seminar_id, seminar_id, program, program],
    ).df()


def charts(con: duckdb.DuckDBPyConnection, seminar_id: str, program: int | None = None) -> pd.DataFrame:
    """Chart definitions of a seminar (optionally one programme) in display order."""
    return con.execute(
        'SELECT * FROM charts WHERE seminar_id = ? AND (? IS NULL OR program = ?) ORDER BY program, "order"',
        [seminar_id, program, program],
    ).df()


def chart(con: duckdb.DuckDBPyConnection, chart_id: str) -> dict:
    """One chart definition; UnknownSeminar if no chart has that id."""
    frame = con.execute("SELECT * FROM charts WHERE chart_id = ?", [chart_id]).df()
    if frame.empty:
        raise UnknownSeminar(f"unknown chart id '{chart_id}'")
    return frame.iloc[0].to_dict()


def chart_figures(con: duckdb.DuckDBPyConnection, chart_id: str) -> pd.DataFrame:
    """The figures of one chart, in the order the chart lists them."""
    return con.execute(
        f"SELECT q.* FROM ({_FIGURES_SELECT}) q JOIN chart_figures c ON c.figure_id = q.id "
        "WHERE c.chart_id = ? ORDER BY c.position",
        [chart_id],
    ).df()


def headline_figures(con: duckdb.DuckDBPyConnection, seminar_id: str) -> pd.DataFrame:
    """The seminar's chosen headline figures for the overview, in their listed order."""
    return con.execute(
        f"SELECT q.* FROM ({_FIGURES_SELECT}) q JOIN headlines h ON h.figure_id = q.id "
        "WHERE h.seminar_id = ? ORDER BY h.position",
        [seminar_id],
    ).df()


def figures_outside_charts(
    con: duckdb.DuckDBPyConnection, seminar_id: str, program: int | None = None
) -> pd.DataFrame:
    """Figures that no chart shows, so pages can list them in a table instead."""
    frame = figures(con, seminar_id=seminar_id, program=program)
    charted = {
        r[0]
        for r in con.execute(
            "SELECT cf.figure_id FROM chart_figures cf JOIN charts c USING (chart_id) WHERE c.seminar_id = ?",
            [seminar_id],
        ).fetchall()
    }
    return frame[~frame["id"].isin(charted)].reset_index(drop=True)
