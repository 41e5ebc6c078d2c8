"""受付箱（職員用）: the staff inbox. The page checks the password itself (hidden pages stay routable)."""

from jichitai_metrics.ui import common
from jichitai_metrics.ui.inbox import render_inbox_page

common.route_through_dashboard()

render_inbox_page()
