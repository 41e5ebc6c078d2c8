"""Print styles: Ctrl+P on a page gives clean A4 sheets (no sidebar, buttons or toolbar; charts whole).

Travels in the page frame's one style block (ui/nav.py), so every page prints the same way. The styles
only apply to ``@media print``: the screen is untouched. Streamlit marks its parts with
``data-testid`` attributes (checked on 1.67: stSidebar, stHeader, stToolbar, stDownloadButton, …);
tests/browser/test_print.py prints the programme and overview pages with Chromium and reads the PDF.
"""

from __future__ import annotations

# Controls that mean nothing on paper. The chart cards' sources (st.caption) and tables stay.
_HIDDEN = (
    "stSidebar",
    "stSidebarCollapsedControl",
    "stHeader",
    "stToolbar",
    "stDecoration",
    "stStatusWidget",
    "stSkipToContent",
    "stDownloadButton",
    "stButton",
    "stFormSubmitButton",
    "stPageLink",
    "stExpander",  # 「表で見る」 is a control; the chart and its source lines say the same
    "stElementToolbar",
    "stHeaderActionElements",
    "stChatInput",
)

PRINT_CSS = (
    "@media print {\n"
    "  @page { size: A4; margin: 12mm 12mm 14mm 12mm; }\n"
    + "".join(f'  [data-testid="{t}"] {{ display: none !important; }}\n' for t in _HIDDEN)
    + """
  /* Streamlit scrolls the main area inside fixed-height boxes: let the document flow instead,
     or the browser prints only the first screenful. */
  html, body, #root, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    height: auto !important; min-height: 0 !important; overflow: visible !important;
    position: static !important; background: #fff !important;
  }
  [data-testid="stMainBlockContainer"] {
    max-width: none !important; width: 100% !important; padding: 0 !important; margin: 0 !important;
  }
  /* Charts were drawn for the screen's width: shrink them to the paper, never cut them. */
  [data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg,
  [data-testid="stImage"] img, .jm-chart img, .jm-present, [data-testid="stDataFrame"] canvas {
    max-width: 100% !important; height: auto !important;
  }
  /* A data grid is a canvas drawn for the screen: shrink it so the columns the screen showed fit. */
  [data-testid="stDataFrame"] { zoom: 0.62; }
  /* Keep a chart, a card (bordered container) and a source caption on one sheet. */
  [data-testid="stVegaLiteChart"], [data-testid="stImage"], [data-testid="stMetric"],
  [data-testid="stLayoutWrapper"] > [data-testid="stVerticalBlock"], [data-testid="stCaptionContainer"],
  .jm-chart {
    break-inside: avoid; page-break-inside: avoid;
  }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  /* Sources are the point of a handout: print them dark enough to read on a photocopy. */
  [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *, .jm-source {
    color: #333 !important;
  }
  /* 「表で見る」 is a control (the chart card's table view): the chart and its source lines say the same. */
  .jm-table-view { display: none !important; }
  /* The links under a card or table (CSV, slides, question) and the programme picker are controls. */
  .jm-actions, .jm-tabs { display: none !important; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
)
