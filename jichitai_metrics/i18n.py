"""Language handling: Japanese first, English second. Labels live beside their use."""

from __future__ import annotations

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
LANG_NAMES = {"ja": "日本語", "en": "English"}


def normalise_lang(value: object) -> str:
    """Any query-string value -> a supported language (unknown values fall back to Japanese)."""
    text = str(value or "").strip().lower()
    return text if text in LANGS else DEFAULT_LANG


def pick(ja: str, en: str, lang: str) -> str:
    """The text for `lang`; English falls back to Japanese when no translation exists."""
    if lang == "en" and en:
        return en
    return ja
