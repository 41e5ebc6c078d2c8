"""Tables as real HTML (`<table>`, `<caption>`, `<th scope>`), the form a screen reader can read.

`st.dataframe` draws a canvas grid that assistive technology cannot read cell by cell (issue 12),
and it costs a heavy grid component per table. These tables are plain markup: a caption naming
the table, column headers as `<th scope="col">`, the first column as row headers, and a wrapper
that scrolls sideways when the table is wider than the page (focusable and labelled, so a keyboard
user can scroll it too). Every cell is escaped; blanks stay blank; numbers keep full precision.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import pandas as pd

from jichitai_metrics import export, words
from jichitai_metrics.formatting import em_width

__all__ = ["cell_text", "table_html"]


def cell_text(value: object) -> str:
    """What a cell shows: blank for "not given", numbers as the CSV of the same rows writes them."""
    if words.blank(value):
        return ""
    if isinstance(value, float) and math.isfinite(value):
        return export.plain_number(value)  # 32 not 32.0, full precision, never 1e-05
    return str(value)


def _column_rem(header: str, texts: Sequence[str]) -> float:
    """A column's width: its longest one-line value or header, capped so long quotes wrap (20rem)."""
    longest = max([em_width(header) * 1.05, *(em_width(t) for t in texts)])
    return round(min(max(longest * 0.9 + 1.2, 4.5), 20.0), 1)


def table_html(
    frame: pd.DataFrame,
    caption: str,
    columns: Sequence[str] | None = None,
    row_header: bool = True,
    fit: bool = False,
) -> str:
    """`frame` (in `columns` order) as an accessible HTML table inside a labelled scroll region.

    `fit`: the table takes the page's width (short columns their own, the long ones an equal share of
    the rest) and scrolls sideways only where the page is narrower than about 8rem a column (a phone,
    200% zoom).
    """
    names = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    head = "".join(f'<th scope="col">{html.escape(str(n))}</th>' for n in names)
    texts = [[cell_text(v) for v in row] for row in frame[names].itertuples(index=False, name=None)]
    body = []
    for row in texts:
        cells = []
        for i, value in enumerate(row):
            text = html.escape(value)
            cells.append(f'<th scope="row">{text}</th>' if i == 0 and row_header else f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    # Column widths decided here (fixed table layout): the browser then lays the table out row by
    # row instead of measuring every cell twice for its widths, which was most of the explorer's
    # layout time on a reload (49 rows x 19 columns then, Chromium trace). Long quotes wrap at 20rem.
    widths = [_column_rem(str(n), [row[i] for row in texts]) for i, n in enumerate(names)]
    label = html.escape(caption)
    width = round(sum(widths), 1)
    if fit:  # short columns keep their width; the long ones share what is left equally
        cols = "".join(f'<col style="width: {w}rem">' if w <= 10 else "<col>" for w in widths)
        size = f"width: 100%; min-width: {round(sum(min(w, 8.0) for w in widths), 1)}rem"
    else:
        cols = "".join(f'<col style="width: {w}rem">' for w in widths)
        size = f"width: {width}rem"
    return (
        f'<div class="jm-table" role="region" aria-label="{label}" tabindex="0">'
        f'<table style="{size}"><caption>{label}</caption><colgroup>{cols}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
