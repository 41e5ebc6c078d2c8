"""Checks on a submitted inquiry: Japanese messages per field, on a normalised copy of what was typed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from jichitai_metrics.inquiries.model import NewInquiry, hidden_controls, normalise

# Maximum length in characters of each field as typed.
MAX_LENGTHS = {
    "article_title": 200,
    "municipality": 100,
    "department": 100,
    "name": 100,
    "phone": 30,
    "email": 254,
    "message": 4000,
}
REQUIRED = ("article_title", "municipality", "department", "name", "phone", "email", "message")
MULTILINE = ("message",)

LABELS = {
    "article_title": ("記事タイトル", "Article title"),
    "municipality": ("自治体名", "Municipality"),
    "department": ("部署・役職名", "Department / position"),
    "name": ("お名前", "Name"),
    "phone": ("電話番号", "Phone number"),
    "email": ("メールアドレス", "E-mail address"),
    "message": ("ご相談内容", "Your question"),
    "consent": ("上記に同意しました", "I agree to the above"),
}


@dataclass(frozen=True)
class Problem:
    """One field's problem, in Japanese and English."""

    ja: str
    en: str


def _bad_characters(text: str, multiline: bool) -> bool:
    # Control characters and lone surrogates cannot be shown or stored faithfully (a NUL or
    # a surrogate breaks the database's UTF-8); tabs and newlines are normal in the message.
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in allowed:
            continue
        if cat in ("Cc", "Cs"):
            return True
    return False


def phone_ok(raw: str) -> bool:
    """A Japanese phone number in any common form (full-width digits, dash variants, +81)."""
    text = normalise(raw)
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    stripped = "".join(ch for ch in text if ch not in " -()")
    if not stripped or stripped != digits or len(digits) < 10:
        return False
    try:
        number = phonenumbers.parse(digits, "JP")
    except phonenumbers.NumberParseException:
        return False
    return number.country_code == 81 and phonenumbers.is_valid_number(number)


def email_ok(raw: str) -> bool:
    """E-mail syntax only (no DNS lookups), checked on the NFKC copy so a full-width ＠ passes."""
    text = normalise(raw).strip()
    if not text or any(ch.isspace() for ch in text):
        return False
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def validate(inquiry: NewInquiry) -> dict[str, Problem]:
    """Field name -> problem for every field that fails; an empty dict means the inquiry is acceptable."""
    errors: dict[str, Problem] = {}
    for field in REQUIRED:
        value = getattr(inquiry, field)
        ja, en = LABELS[field]
        if not isinstance(value, str) or not value.strip():
            errors[field] = Problem(f"{ja}を入力してください。", f"Please enter {en.lower()}.")
            continue
        limit = MAX_LENGTHS[field]
        if len(value) > limit:
            errors[field] = Problem(
                f"{ja}は{limit:,}文字以内で入力してください（現在{len(value):,}文字）。",
                f"{en} must be at most {limit:,} characters (now {len(value):,}).",
            )
            continue
        if _bad_characters(value, field in MULTILINE):
            errors[field] = Problem(
                f"{ja}に使えない文字（制御文字など）が含まれています。",
                f"{en} contains characters that cannot be used (control characters).",
            )
            continue
        hidden = hidden_controls(value)
        if hidden:
            # Bidi overrides make "RTX05 <U+202E>gnp.exe" read as "RTX05 exe.png"; invisible
            # characters make two different texts look the same. Neither belongs in a form field.
            codes = "、".join(f"U+{ord(ch):04X}" for ch in hidden)
            errors[field] = Problem(
                f"{ja}に、文字の向きを変える制御文字や見えない文字（{codes}）が含まれています。"
                "取り除いてから、もう一度お試しください。",
                f"{en} contains invisible or text-direction control characters ({codes}); "
                "please remove them.",
            )
    if "phone" not in errors and not phone_ok(inquiry.phone):
        errors["phone"] = Problem(
            "電話番号の形式が正しくありません（例：03-1234-5678、090-1234-5678）。",
            "Please enter a Japanese phone number (e.g. 03-1234-5678).",
        )
    if "email" not in errors and not email_ok(inquiry.email):
        errors["email"] = Problem(
            "メールアドレスの形式が正しくありません（例：taro@city.example.lg.jp）。",
            "Please enter a valid e-mail address (e.g. taro@city.example.lg.jp).",
        )
    if inquiry.consent is not True:
        errors["consent"] = Problem(
            "個人情報の取り扱いへの同意が必要です。「上記に同意しました」にチェックしてください。",
            "Please tick the consent box to agree to how your data is handled.",
        )
    return errors
