"""Entry point and router: page config, language, navigation. No data code here.

`streamlit run dashboard.py` finds the `st.App` at the bottom and serves this same file through it,
with one ASGI middleware that sets the served page's `<html lang>` (see page_lang). Each session's
run executes this file as `__main__` and draws the page; an import (by the server, or by the deck's
render workers) only builds the app object.
"""

import streamlit as st

if __name__ == "__main__":
    from jichitai_metrics import gcpolicy
    from jichitai_metrics.ui import busy, common, nav

    common.freeze_long_lived_objects()  # keeps Streamlit's after-run garbage collection cheap (see there)
    gcpolicy.install(
        before_collect=busy.expire_closed_sessions
    )  # a full collection per interval, not per run
    # An emoji favicon is drawn from a data: URL; a ":material/…:" one is fetched from fonts.gstatic.com on
    # every page load, an outside request that an intranet (LGWAN) blocks or leaves hanging.
    st.set_page_config(page_title="自治体DXメトリクス", page_icon="📊", layout="wide")
    common.stop_on_bad_settings()

    lang = common.page_language()
    busy.admit_or_stop(lang)  # past capacity, a new session sees 「混み合っています」 and a retry button

    # The menu: (section), then each page as (file in pages/ = its URL path, Japanese title, English title).
    MENU = [
        (
            ("セミナー", "Seminar"),
            [
                ("overview", "概要", "Overview"),
                ("program", "プログラム別", "Programmes"),
                ("explorer", "数値一覧", "Figure explorer"),
            ],
        ),
        (
            ("予算説明の準備", "Budget meeting kit"),
            [
                ("whatif", "うちの自治体なら", "What-if for us"),
                ("deck", "スライド・画像", "Slides & images"),
                ("present", "発表モード", "Presentation mode"),
            ],
        ),
        (
            ("お問い合わせ", "Contact"),
            [
                ("inquiry", "お問い合わせ", "Inquiry"),
                ("inbox", "受付箱（職員用）", "Inbox (staff)"),
                ("review", "レポートの取り込み（編集者用）", "Report review (editors)"),
                ("accessibility", "アクセシビリティ方針", "Accessibility"),
            ],
        ),
    ]
    # The Page objects, made once per session and language: each one resolves its file's path on the
    # disk, which was 15% of a programme page's rerun (py-spy, 2026-11-29). Per session, not shared:
    # st.navigation marks the chosen Page as runnable on the object itself.
    pages_key = f"jm_pages_{lang}"
    if pages_key not in st.session_state:
        st.session_state[pages_key] = {
            common.pick(*section, lang): [
                st.Page(
                    f"pages/{name}.py",
                    title=common.pick(ja, en, lang),
                    url_path=name,
                    default=name == "overview",
                )
                for name, ja, en in pages
            ]
            for section, pages in MENU
        }
    PAGES = st.session_state[pages_key]

    # Streamlit's own menu fails axe-core's list rules; nav draws an accessible one (see there). No page
    # icons: the icon font's ligatures are read aloud ("home 概要") and the font costs every page load.
    page = st.navigation(PAGES, position="hidden")
    nav.draw_navigation(PAGES, page, lang)
    with common.catalog_errors_shown():
        page.run()
else:
    from pathlib import Path

    from starlette.middleware import Middleware

    from jichitai_metrics import tcp_nodelay
    from jichitai_metrics.page_lang import HtmlLangMiddleware
    from jichitai_metrics.ui import nav
    from jichitai_metrics.ui.csv_files import CSV_ROUTE
    from jichitai_metrics.ui.deck_files import DECK_ROUTE
    from jichitai_metrics.ui.image_files import IMAGE_ROUTE, PICTURE_ROUTE

    # Streamlit's server leaves Nagle's algorithm on: small messages waited up to 40 ms each (see there).
    tcp_nodelay.install()

    # The tables' CSV files, the charts' images, the deck and the handout at stable addresses, linked
    # from the pages (see csv_files, image_files, deck_files).
    app = st.App(
        Path(__file__),
        # The stylesheet and the page-wide script ride in the shell: styled from the first paint (see nav).
        middleware=[Middleware(HtmlLangMiddleware, body_end_html=nav.SHELL_END)],
        routes=[CSV_ROUTE, IMAGE_ROUTE, PICTURE_ROUTE, DECK_ROUTE],
    )
