"""The inquiry form's input screen as one native HTML form (an `st.components.v2` component).

Why not `st.text_input` & co.: Streamlit loads the code of each widget kind on every page load and
shows grey placeholders until it has run. With the seven fields, the consent box and the button as
widgets, the form page took 1.33-1.69x the hello page's full reload (bench/pages.py, issue 12); the
same fields as one native form measured 1.10x (bench/elements.py). A native form also gives what
the widgets did not: `autocomplete` tokens (WCAG 1.3.5), `aria-invalid` and the field's message tied
to it by `aria-describedby`.

The browser sends the fields once, on 入力内容を確認する, as the trigger value "submit"; Python reads
them in the callback (`submitted_draft`), which accepts only text for the text fields and `true` for
consent, whatever a bot sends. Every value drawn into the HTML is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from jichitai_metrics.i18n import pick
from jichitai_metrics.inquiries.model import TEXT_FIELDS
from jichitai_metrics.inquiries.validation import LABELS, MAX_LENGTHS, Problem

__all__ = [
    "COMPONENT_NAME",
    "FORM_KEY",
    "SUBMIT_EVENT",
    "empty_draft",
    "form_data",
    "form_html",
    "render",
    "submitted_draft",
    "submitted_value",
]

COMPONENT_NAME = "jichitai_metrics.inquiry_form"
FORM_KEY = "inq_form"  # the component's key: its trigger values sit under it in session state
SUBMIT_EVENT = "submit"

PLACEHOLDERS = {
    "municipality": "例：〇〇市",
    "department": "例：デジタル推進課 主任",
    "name": "例：自治 太郎",
    "phone": "例：03-1234-5678",
    "email": "例：taro@city.example.lg.jp",
}
# Input type and autocomplete token per field (WCAG 1.3.5: the browser can fill a person's own details).
# The e-mail field stays type="text": Chromium rewrites a non-ASCII domain of type="email" to punycode,
# and full-width addresses (ｔａｒｏ＠…) are accepted and normalised by validation.
_KINDS = {
    "article_title": ("text", "off"),
    "municipality": ("text", "organization"),
    "department": ("text", "organization-title"),
    "name": ("text", "name"),
    "phone": ("tel", "tel"),
    "email": ("text", "email"),
}

# The browser side: draw the HTML Python built, send the fields on submit. Idempotent: Streamlit calls
# it again whenever the data changes; a field the person changed since the last drawing keeps what
# they typed (a rerun from elsewhere never wipes it). Enter in a one-line field does not send
# (as with st.form(enter_to_submit=False): Enter also confirms a Japanese IME conversion).
_JS = """export default function ({ parentElement, data, setTriggerValue }) {
  let host = parentElement.querySelector(":scope > .jm-inquiry");
  if (!host) {
    host = document.createElement("div");
    host.className = "jm-inquiry";
    parentElement.appendChild(host);
  }
  if (host.__jmHtml !== data.html) {
    const typed = {};
    const before = host.__jmValues || {};
    for (const el of host.querySelectorAll("[name]")) {
      const now = el.type === "checkbox" ? el.checked : el.value;
      if (el.name in before && now !== before[el.name]) typed[el.name] = now;
    }
    host.innerHTML = data.html;
    host.__jmHtml = data.html;
    host.__jmValues = {};
    for (const el of host.querySelectorAll("[name]")) {
      if (el.name in typed) {
        if (el.type === "checkbox") el.checked = typed[el.name]; else el.value = typed[el.name];
      }
      host.__jmValues[el.name] = el.type === "checkbox" ? el.defaultChecked : el.defaultValue;
    }
    const invalid = host.querySelector("[aria-invalid='true']");
    if (invalid && data.focus_first_error) invalid.focus();
  }
  const form = host.querySelector("form");
  form.onkeydown = (event) => {
    const el = event.target;
    if (event.key === "Enter" && el.tagName === "INPUT" && el.type !== "checkbox") event.preventDefault();
  };
  form.onsubmit = (event) => {
    event.preventDefault();
    const values = {};
    for (const el of form.querySelectorAll("[name]")) {
      values[el.name] = el.type === "checkbox" ? el.checked : el.value;
    }
    setTriggerValue("submit", values);
  };
}
"""

_form_component = st.components.v2.component(COMPONENT_NAME, js=_JS, isolate_styles=False)


def empty_draft() -> dict[str, Any]:
    """A draft with every field empty and consent not given."""
    return {f: "" for f in TEXT_FIELDS} | {"consent": False}


def submitted_draft(raw: object) -> dict[str, Any]:
    """The draft a submit carried: text for the text fields, consent only if exactly `true`.

    The value comes from the browser (or a bot speaking the protocol): anything else (a number, a
    list, a missing field, an unknown key) counts as empty, and validation then says what is missing.
    """
    values: Mapping[str, object] = raw if isinstance(raw, Mapping) else {}
    draft = empty_draft()
    for field in TEXT_FIELDS:
        value = values.get(field)
        draft[field] = value if isinstance(value, str) else ""
    draft["consent"] = values.get("consent") is True
    return draft


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _field(field: str, value: str, problem: Problem | None, lang: str) -> str:
    ident = f"jm-inq-{field}"
    label = pick(*LABELS[field], lang) + " ＊"
    error_id = f"{ident}-error"
    described = f' aria-invalid="true" aria-describedby="{error_id}"' if problem else ""
    common = f'id="{ident}" name="{field}" maxlength="{MAX_LENGTHS[field]}" aria-required="true"{described}'
    if field == "message":
        # The newline after the tag is the one HTML drops, so a message that starts with one keeps it.
        control = f'<textarea {common} rows="7">\n{_esc(value)}</textarea>'
    else:
        kind, autocomplete = _KINDS[field]
        placeholder = PLACEHOLDERS.get(field) if lang == "ja" else None
        extra = f' placeholder="{_esc(placeholder)}"' if placeholder else ""
        if field in ("phone", "email"):
            extra += ' spellcheck="false"'
        control = f'<input type="{kind}" {common} value="{_esc(value)}" autocomplete="{autocomplete}"{extra}>'
    message = _error(error_id, problem, lang)
    return f'<div class="jm-field"><label for="{ident}">{_esc(label)}</label>{control}{message}</div>'


def _error(error_id: str, problem: Problem | None, lang: str) -> str:
    if problem is None:
        return ""
    return f'<p class="jm-field-error" id="{error_id}">⚠️ {_esc(pick(problem.ja, problem.en, lang))}</p>'


def form_html(draft: Mapping[str, Any], errors: Mapping[str, Problem], notice_html: str, lang: str) -> str:
    """The whole input screen: the fields with their messages, the privacy notice (HTML we wrote),
    the consent box and the button."""
    fields = "".join(_field(f, str(draft.get(f, "")), errors.get(f), lang) for f in TEXT_FIELDS)
    consent_problem = errors.get("consent")
    consent_error = _error("jm-inq-consent-error", consent_problem, lang)
    invalid = ' aria-invalid="true" aria-describedby="jm-inq-consent-error"' if consent_problem else ""
    checked = " checked" if draft.get("consent") is True else ""
    consent = (
        f'<div class="jm-consent">{notice_html}'
        f'<label class="jm-check"><input type="checkbox" id="jm-inq-consent" name="consent" '
        f'aria-required="true"{checked}{invalid}> {_esc(pick(*LABELS["consent"], lang))}</label>'
        f"{consent_error}</div>"
    )
    button = (
        '<div class="jm-actions"><button type="submit" class="jm-button jm-primary">'
        f"{_esc(pick('入力内容を確認する', 'Review your entries', lang))}</button></div>"
    )
    label = pick("お問い合わせの入力", "Inquiry form", lang)
    return (
        f'<form class="jm-form jm-inquiry-form" novalidate aria-label="{_esc(label)}">'
        f'<div class="jm-inquiry-fields">{fields}</div>{consent}{button}</form>'
    )


def form_data(
    draft: Mapping[str, Any], errors: Mapping[str, Problem], notice_html: str, lang: str
) -> dict[str, Any]:
    """What the component is given: the HTML to draw, and the same fields in plain terms for a reader
    without a browser (the tests, the bot client): name, label, value, message."""
    fields = [
        {
            "name": f,
            "label": pick(*LABELS[f], lang),
            "value": draft.get(f, "") if f != "consent" else draft.get("consent") is True,
            "error": pick(errors[f].ja, errors[f].en, lang) if f in errors else None,
        }
        for f in (*TEXT_FIELDS, "consent")
    ]
    return {
        "html": form_html(draft, errors, notice_html, lang),
        "fields": fields,
        "focus_first_error": bool(errors),
    }


def render(
    draft: Mapping[str, Any],
    errors: Mapping[str, Problem],
    notice_html: str,
    lang: str,
    on_submit: Callable[[], None],
) -> None:
    """Mount the form; `on_submit` runs (before the script) when the person presses the button."""
    _form_component(
        key=FORM_KEY,
        data=form_data(draft, errors, notice_html, lang),
        on_submit_change=on_submit,
    )


def submitted_value() -> object:
    """The raw value of the submit that triggered this run (None if this run was not a submit)."""
    result = st.session_state.get(FORM_KEY)
    if result is None:
        return None
    return result.get(SUBMIT_EVENT) if hasattr(result, "get") else getattr(result, SUBMIT_EVENT, None)
