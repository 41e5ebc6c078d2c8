"""レポートの取り込み（編集者用）: review a draft beside the report, then publish it. Staff only."""

from jichitai_metrics.ui import common
from jichitai_metrics.ui.review import render_review_page

common.route_through_dashboard()

render_review_page()
