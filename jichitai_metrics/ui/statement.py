"""The アクセシビリティ方針 page's content as one block of HTML, built once per language.

It changes only with a new release (the checks and their date are in jichitai_metrics.accessibility),
yet building its results table (a DataFrame, then the HTML) was 40% of the page's rerun (py-spy,
2026-11-29); a shared read hands every session the same string.
"""

from __future__ import annotations

import pandas as pd

from jichitai_metrics import accessibility, html_table
from jichitai_metrics.ui import common, prose

__all__ = ["statement_html"]

_LIMITS = {
    "ja": (
        "グラフは画像（SVG）で表示しています。マウスを重ねて数値を表示する機能はありませんが、"
        "すべての数値をグラフ上・代替テキスト・「表で見る」の表に示しています。",
        "200%に拡大すると、グラフ画像内の文字は画面幅に合わせて縮小されます。"
        "同じ数値を「表で見る」の表（拡大に追従する文字）で確認できます。",
        "検査は Chromium で行っています。他のブラウザ・支援技術での確認は今後の課題です。",
    ),
    "en": (
        "Charts are pictures (SVG): hovering shows no tooltip, but every value is printed on the chart, "
        "in its alternative text and in its table view.",
        "At 200% zoom the text inside a chart picture shrinks with the picture to fit the screen; "
        "the same numbers are in the chart's table view, whose text zooms.",
        "The checks run in Chromium; other browsers and assistive technologies are not yet tested.",
    ),
}


@common.shared_read()
def statement_html(lang: str) -> str:
    """The target, the results table (each check with the test behind it) and the known limits."""
    return "".join(
        (
            prose.heading(1, common.pick("アクセシビリティ方針", "Accessibility statement", lang)),
            prose.para(prose.esc(accessibility.intro(lang))),
            prose.heading(2, common.pick("検査の結果", "Test results", lang)),
            html_table.table_html(
                pd.DataFrame(accessibility.rows(lang)),
                common.pick(
                    f"検査結果（{accessibility.TESTED_ON}実施）",
                    f"Results (tested on {accessibility.TESTED_ON})",
                    lang,
                ),
            ),
            prose.heading(2, common.pick("既知の制約", "Known limitations", lang)),
            prose.bullets(prose.esc(item) for item in _LIMITS["en" if lang == "en" else "ja"]),
            prose.caption(
                common.pick(
                    "ご意見・不具合のご連絡は「お問い合わせ」ページからお寄せください。",
                    "Please report problems through the Inquiry page.",
                    lang,
                )
            ),
        )
    )
