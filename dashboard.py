"""Entry point and router: page config, language, navigation. No data code here.

`streamlit run dashboard.py` finds the `st.App` at the bottom and serves this same file through it,
with one ASGI middleware that sets the served page's `<html lang>` (see page_lang). Each session's
run executes this file as `__main__` and draws the page; an import (by the server, or by the deck's
render workers) only builds the app object.
"""

import streamlit as st

if __name__ == "__main__":
    from jichitai_metrics import gcpolicy
    from jichitai_metrics.ui import busy, common, nav, printing

    common.freeze_long_lived_objects()  # keeps Streamlit's after-run garbage collection cheap (see there)
    gcpolicy.install(
        before_collect=busy.expire_closed_sessions
    )  # a full collection per interval, not per run
    # An emoji favicon is drawn from a data: URL; a ":material/…:" one is fetched from fonts.gstatic.com on
    # every page load, an outside request that an intranet (LGWAN) blocks or leaves hanging.
    st.set_page_config(page_title="自治体DXメトリクス", page_icon="📊", layout="wide")
    common.stop_on_bad_settings()
    printing.inject_print_css()  # Ctrl+P gives clean A4 pages on every page (no sidebar, buttons, cut charts)

    lang = common.page_language()
    busy.admit_or_stop(lang)  # past capacity, a new session sees 「混み合っています」 and a retry button

    PAGES = {
        common.pick("セミナー", "Seminar", lang): [
            st.Page(
                "pages/overview.py",
                title=common.pick("概要", "Overview", lang),
                url_path="overview",
                default=True,
            ),
            st.Page(
                "pages/program.py", title=common.pick("プログラム別", "Programmes", lang), url_path="program"
            ),
            st.Page(
                "pages/explorer.py",
                title=common.pick("数値一覧", "Figure explorer", lang),
                url_path="explorer",
            ),
        ],
        common.pick("予算説明の準備", "Budget meeting kit", lang): [
            st.Page(
                "pages/whatif.py",
                title=common.pick("うちの自治体なら", "What-if for us", lang),
                url_path="whatif",
            ),
            st.Page(
                "pages/deck.py", title=common.pick("スライド・画像", "Slides & images", lang), url_path="deck"
            ),
            st.Page(
                "pages/present.py",
                title=common.pick("発表モード", "Presentation mode", lang),
                url_path="present",
            ),
        ],
        common.pick("お問い合わせ", "Contact", lang): [
            st.Page(
                "pages/inquiry.py", title=common.pick("お問い合わせ", "Inquiry", lang), url_path="inquiry"
            ),
            st.Page(
                "pages/inbox.py",
                title=common.pick("受付箱（職員用）", "Inbox (staff)", lang),
                url_path="inbox",
            ),
            st.Page(
                "pages/review.py",
                title=common.pick("レポートの取り込み（編集者用）", "Report review (editors)", lang),
                url_path="review",
            ),
            st.Page(
                "pages/accessibility.py",
                title=common.pick("アクセシビリティ方針", "Accessibility", lang),
                url_path="accessibility",
            ),
        ],
    }

    # Streamlit's own menu fails axe-core's list rules; nav draws an accessible one (see there). No page
    # icons: the icon font's ligatures are read aloud ("home 概要") and the font costs every page load.
    page = st.navigation(PAGES, position="hidden")
    nav.draw_navigation(PAGES, page, lang)
    with common.catalog_errors_shown():
        page.run()
else:
    from pathlib import Path

    from starlette.middleware import Middleware

    from jichitai_metrics.page_lang import HtmlLangMiddleware

    app = st.App(Path(__file__), middleware=[Middleware(HtmlLangMiddleware)])
