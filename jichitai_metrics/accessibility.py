"""The accessibility statement (アクセシビリティ方針): what we aim for, what was tested, how and when.

Written in the form Japanese public bodies publish (みんなの公共サイト運用ガイドライン: target level,
scope, method, date, results). Every check names the test in the suite that backs it;
tests/test_accessibility_page.py fails if a named test disappears, so the page cannot claim a check
nobody runs. The date is the day the whole list last passed (update it when you rerun the suite).
"""

from __future__ import annotations

from dataclasses import dataclass

from jichitai_metrics.i18n import pick

__all__ = ["CHECKS", "STANDARD", "TESTED_ON", "Check", "intro", "rows"]

STANDARD = "JIS X 8341-3:2016"
TESTED_ON = "2026-11-29"


@dataclass(frozen=True)
class Check:
    """One verified statement: what was checked (ja/en), how, and the test that does it."""

    what_ja: str
    what_en: str
    how_ja: str
    how_en: str
    test: str  # "tests/<file>.py::<test function>"


CHECKS: tuple[Check, ...] = (
    Check(
        "全ページ（日本語・英語、全プログラム、職員用受付箱のログイン前）で、"
        "axe-core の検出項目（WCAG 2.x の A・AA と推奨事項）の違反が0件",
        "Every page (Japanese and English, every programme, the staff inbox before sign-in): zero "
        "axe-core violations (WCAG 2.x A/AA and best practices)",
        "Chromium（ヘッドレス）で各ページを開き、axe-core で自動検査",
        "Each page opened in headless Chromium and checked with axe-core",
        "tests/browser/test_accessibility.py::test_every_page_has_no_axe_violations",
    ),
    Check(
        "職員用受付箱のログイン後の画面でも axe-core の違反が0件",
        "The staff inbox after sign-in: zero axe-core violations",
        "共有パスワードでログインしてから axe-core で検査",
        "Signed in with the shared password, then checked with axe-core",
        "tests/browser/test_accessibility.py::test_inbox_after_sign_in_has_no_axe_violations",
    ),
    Check(
        "ページの言語（html要素のlang属性）が日本語ページでja、英語ページでen。最初の表示から正しく、途中の切り替えにも追従",
        "The page language (<html lang>) is ja on Japanese pages and en on English ones, from the "
        "first paint, and follows a switch of language",
        "配信されるHTMLとブラウザ上の属性を確認",
        "The served HTML and the attribute in the browser are read",
        "tests/browser/test_accessibility.py::test_document_language_from_first_paint",
    ),
    Check(
        "ナビゲーションはセクション見出しつきで、現在のページを aria-current で示す。"
        "全ページからこの方針ページへ移動できる",
        "The navigation keeps its sections and marks the current page with aria-current; this "
        "statement is linked from every page",
        "ブラウザでサイドバーを確認",
        "The sidebar is read in the browser",
        "tests/browser/test_accessibility.py::test_navigation_marks_the_current_page_and_keeps_sections",
    ),
    Check(
        "数値の表（数値一覧・グラフの表表示）は、見出しセルと表題（caption）を持つHTMLの表",
        "Figure tables (the explorer, each chart's table view) are HTML tables "
        "with header cells and a caption",
        "ブラウザで表の構造を確認",
        "The table markup is read in the browser",
        "tests/browser/test_accessibility.py::test_tables_are_html_tables_with_caption_and_header_cells",
    ),
    Check(
        "グラフには、表題とすべての数値を述べる代替テキストがある",
        "Every chart has a text alternative giving its title and every value",
        "ブラウザで画像の代替テキストを確認",
        "The pictures' alternative text is read in the browser",
        "tests/browser/test_accessibility.py::test_chart_pictures_state_their_values",
    ),
    Check(
        "グラフ内の文字は、背景に対してコントラスト比4.5:1以上（大きな文字は3:1以上）",
        "Text in every chart has a contrast of at least 4.5:1 on its background (3:1 for large text)",
        "全グラフ（日本語・英語）の描画結果から文字色を読み取り、WCAGの式で計算",
        "The text colours of every drawn chart (both languages) are computed with the WCAG formula",
        "tests/test_screen.py::test_every_chart_label_meets_aa_contrast",
    ),
    Check(
        "キーボードだけで主な操作ができ、操作中は常にフォーカス位置が見える（プログラム切替、表の表示、CSVのダウンロード）",
        "The main tasks work with the keyboard alone, with a visible focus indicator at every step "
        "(switch programme, open a table, download its CSV)",
        "Tab・矢印・Enterキーだけで操作し、各ステップでフォーカス枠を確認",
        "Tab, arrow keys and Enter only; the focus ring is checked at each step",
        "tests/browser/test_keyboard.py::test_switch_programme_open_table_and_download_csv_by_keyboard",
    ),
    Check(
        "お問い合わせフォームは、キーボードだけで入力から受付番号の表示まで進める",
        "The inquiry form can be completed to its receipt number with the keyboard alone",
        "Tab・Space・Enterキーだけで入力・確認・送信",
        "Filled in, reviewed and sent with Tab, Space and Enter only",
        "tests/browser/test_keyboard.py::test_inquiry_form_to_receipt_number_by_keyboard",
    ),
    Check(
        "お問い合わせフォームの入力の誤りは、その欄に結び付けて示し（aria-invalid・aria-describedby）、"
        "最初の誤りの欄へフォーカスを移す",
        "An error in the inquiry form is tied to its field (aria-invalid, aria-describedby) and focus "
        "moves to the first field with an error",
        "フォームのHTMLを検査し、Chromium で誤りのある入力を表示してフォーカスの位置を確認",
        "The form's HTML is read, and in Chromium an entry with an error is drawn and the focus checked",
        "tests/test_inquiry_form.py::test_script_moves_focus_to_the_first_field_with_a_problem",
    ),
    Check(
        "お問い合わせフォームの自治体名・部署・お名前・電話番号・メールアドレスは、入力目的を示し"
        "ブラウザの自動入力が使える（autocomplete）",
        "The inquiry form's municipality, department, name, phone and e-mail fields state their purpose "
        "(autocomplete), so the browser can fill them in",
        "フォームのHTMLで各欄の autocomplete 属性を確認",
        "The autocomplete attribute of each field is read in the form's HTML",
        "tests/test_inquiry_form.py::test_every_field_has_its_label_autofill_token_and_limit",
    ),
    Check(
        "発表モードは、キーボードだけで前後のグラフへ移動できる",
        "Presentation mode steps forward and back with the keyboard alone",
        "Tab・Enter・矢印キーで操作",
        "Tab, Enter and the arrow keys",
        "tests/browser/test_keyboard.py::test_presentation_mode_steps_by_keyboard",
    ),
    Check(
        "1280×720の画面で200%に拡大しても、文字の切れや横スクロールが生じない（データ表は表の中だけで横スクロール）",
        "At 200% zoom on a 1280×720 screen nothing is cut off and the page needs no sideways "
        "scrolling (a data table scrolls within its own region)",
        "拡大時の表示幅（640×360）で全ページを開き、はみ出しを検査し画面を撮影",
        "Every page opened at the zoomed size (640×360 CSS pixels), checked for overflow and photographed",
        "tests/browser/test_zoom.py::test_200_percent_zoom_nothing_cut_off_or_sideways",
    ),
)


def intro(lang: str) -> str:
    """The statement's opening: the target and how conformance is checked."""
    return pick(
        f"このサイトは、{STANDARD}「高齢者・障害者等配慮設計指針－情報通信における機器，ソフトウェア"
        "及びサービス－第3部：ウェブコンテンツ」の適合レベルAAに準拠することを目標としています。"
        "以下の検査は自動テストとして、変更のたびに実行しています。",
        f"This site aims to conform to {STANDARD} (Web content) at level AA, the Japanese standard "
        "identical to WCAG 2.0. The checks below are automated tests, run on every change.",
        lang,
    )


def rows(lang: str) -> list[dict[str, str]]:
    """The results table: what was checked, how, when, result and the test that checks it."""
    return [
        {
            pick("検査項目", "Check", lang): pick(c.what_ja, c.what_en, lang),
            pick("方法", "How", lang): pick(c.how_ja, c.how_en, lang),
            pick("実施日", "Tested on", lang): TESTED_ON,
            pick("結果", "Result", lang): pick("適合", "Pass", lang),
            pick("テスト", "Test", lang): c.test,
        }
        for c in CHECKS
    ]
