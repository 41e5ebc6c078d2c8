"""アクセシビリティ方針: the target, what was tested, how, when and the results (each backed by a test)."""

import pandas as pd

from jichitai_metrics import accessibility, html_table
from jichitai_metrics.ui import common, prose

lang = common.lang()

LIMITS = {
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
# One block of HTML (see ui/prose.py).
prose.draw(
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
    prose.bullets(prose.esc(item) for item in LIMITS["en" if lang == "en" else "ja"]),
    prose.caption(
        common.pick(
            "ご意見・不具合のご連絡は「お問い合わせ」ページからお寄せください。",
            "Please report problems through the Inquiry page.",
            lang,
        )
    ),
)
