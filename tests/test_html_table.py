"""Tables as real HTML: caption, header cells, escaped cells, and the two ways a table takes its width."""

from __future__ import annotations

import io
import re

import pandas as pd

from jichitai_metrics.html_table import table_html

FRAME = pd.DataFrame(
    {
        "項目": ["FAX<script>", "紙"],
        "値": [32.0, None],
        "引用": ["「不満」が32%" * 12, "約55%削減"],
    }
)


def test_caption_header_cells_and_escaping():
    markup = table_html(FRAME, "数値一覧（2件）")
    assert '<div class="jm-table" role="region" aria-label="数値一覧（2件）" tabindex="0">' in markup
    assert "<caption>数値一覧（2件）</caption>" in markup
    assert re.findall(r'<th scope="col">([^<]*)</th>', markup) == ["項目", "値", "引用"]
    assert '<th scope="row">FAX&lt;script&gt;</th>' in markup and "<script>" not in markup
    (read,) = pd.read_html(io.StringIO(markup))
    assert read["値"].tolist()[0] == 32 and pd.isna(read["値"].tolist()[1])  # 32, not 32.0; blank stays blank


def test_a_table_is_as_wide_as_its_columns_unless_it_fits_the_page():
    wide = table_html(FRAME, "t")
    widths = [float(w) for w in re.findall(r'<col style="width: ([\d.]+)rem">', wide)]
    assert len(widths) == 3 and widths[2] == 20.0  # a long quote wraps at 20rem
    assert f'<table style="width: {round(sum(widths), 1)}rem">' in wide
    fit = table_html(FRAME, "t", fit=True)
    # Short columns keep their width; the long quote takes what is left of the page's width.
    assert re.findall(r"<col(?: [^>]*)?>", fit) == [
        f'<col style="width: {widths[0]}rem">',
        f'<col style="width: {widths[1]}rem">',
        "<col>",
    ]
    minimum = round(min(widths[0], 8) + min(widths[1], 8) + 8, 1)
    assert f'<table style="width: 100%; min-width: {minimum}rem">' in fit
