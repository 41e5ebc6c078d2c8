"""お問い合わせ: the report's follow-up form (入力 -> 確認 -> 送信 -> 受付番号)."""

from jichitai_metrics.ui import common
from jichitai_metrics.ui.inquiry import render_inquiry_page

common.route_through_dashboard()

render_inquiry_page()
