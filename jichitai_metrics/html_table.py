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

__all__ = ["cell_text", "table_html"]


def cell_text(value: object) -> str:
    """What a cell shows: blank for "not given", numbers as the CSV of the same rows writes them."""
    if words.blank(value):
        return ""
    if isinstance(value, float) and math.isfinite(value):
        return export.plain_number(value)  # 32 not 32.0, full precision, never 1e-05
    return str(value)


def table_html(
    frame: pd.DataFrame, caption: str, columns: Sequence[str] | None = None, row_header: bool = True
) -> str:
    """`frame` (in `columns` order) as an accessible HTML table inside a labelled scroll region."""
    names = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    head = "".join(f'<th scope="col">{html.escape(str(n))}</th>' for n in names)
    body = []
    for row in frame[names].itertuples(index=False, name=None):
        cells = []
        for i, value in enumerate(row):
            text = html.escape(cell_text(value))
            # quotes and notes get room to read; short values (dates, units, ids) stay on one line
            wide = ' class="jm-long"' if len(text) > 40 else ' class="jm-short"' if len(text) <= 16 else ""
            cells.append(
                f'<th scope="row">{text}</th>' if i == 0 and row_header else f"<td{wide}>{text}</td>"
            )
        body.append(f"<tr>{''.join(cells)}</tr>")
    label = html.escape(caption)
    return (
        f'<div class="jm-table" role="region" aria-label="{label}" tabindex="0">'
        f"<table><caption>{label}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
