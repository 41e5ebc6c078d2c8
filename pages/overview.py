"""概要: the seminar at a glance: date, registrants, programmes and headline figures with their quotes."""

from jichitai_metrics.ui import common, downloads, overview_page, prose

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()
# The whole page is one block of HTML (see ui/prose.py), built once per view (see ui/overview_page.py).
prose.draw(overview_page.overview_page_html(seminar_id, lang, downloads.session_encoding()))
