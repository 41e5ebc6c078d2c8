"""Follow-up inquiries: validation, the store interface and its backends, the notification outbox.

Pages and the UI talk to `InquiryStore` only; `open_store(settings)` picks the backend.
"""

from jichitai_metrics.inquiries.model import (
    LIST_COLUMNS,
    PRIVACY_NOTICE_VERSION,
    SORT_COLUMNS,
    STATUS_LABELS,
    STATUSES,
    InboxPage,
    InboxQuery,
    Inquiry,
    NewInquiry,
    OutboxItem,
    SubmitResult,
)
from jichitai_metrics.inquiries.store import InquiryStore, InvalidInquiry, open_store

__all__ = [
    "LIST_COLUMNS",
    "PRIVACY_NOTICE_VERSION",
    "SORT_COLUMNS",
    "STATUS_LABELS",
    "STATUSES",
    "InboxPage",
    "InboxQuery",
    "Inquiry",
    "NewInquiry",
    "OutboxItem",
    "SubmitResult",
    "InquiryStore",
    "InvalidInquiry",
    "open_store",
]
