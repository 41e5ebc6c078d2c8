"""Draft a catalogue folder from a report's text, for an editor to review (no streamlit here)."""

from jichitai_metrics.draft.drafter import Draft, ReportTooLarge, draft_report, shortest_unique_quote
from jichitai_metrics.draft.numbers import Quantity, find_dates, find_quantities, parse_number, parse_quantity

__all__ = [
    "Draft",
    "Quantity",
    "ReportTooLarge",
    "draft_report",
    "find_dates",
    "find_quantities",
    "parse_number",
    "parse_quantity",
    "shortest_unique_quote",
]
