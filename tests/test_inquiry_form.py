"""ui/inquiry_form.py: the inquiry form as one native HTML form.

What a submit may carry (a bot sends anything), what the HTML says to a screen reader and to the
browser's autofill, that every value is escaped, and (in Chromium) what the form's script does
with what the person typed.
"""

from __future__ import annotations

import json

import pytest

from jichitai_metrics.inquiries.model import TEXT_FIELDS
from jichitai_metrics.inquiries.validation import Problem
from jichitai_metrics.ui import inquiry_form
from jichitai_metrics.ui.inquiry_form import form_data, form_html, submitted_draft

NOTICE = '<div class="jm-prose jm-privacy"><p>個人情報の取り扱い</p></div>'
FULL = {
    "article_title": "記事",
    "municipality": "架空市",
    "department": "企画課",
    "name": "自治 花子",
    "phone": "03-1234-5678",
    "email": "hanako@example.jp",
    "message": "質問です",
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({**FULL, "consent": True}, {**FULL, "consent": True}),
        # a number, a list or null where text belongs counts as empty; unknown keys are dropped
        (
            {"name": 12345, "phone": ["03"], "email": None, "admin": "yes", "consent": True},
            {**dict.fromkeys(TEXT_FIELDS, ""), "consent": True},
        ),
        # consent only from exactly true
        ({"consent": "true"}, {**dict.fromkeys(TEXT_FIELDS, ""), "consent": False}),
        ({"consent": 1}, {**dict.fromkeys(TEXT_FIELDS, ""), "consent": False}),
        # not an object at all, or no submit in this run
        ("name=x", {**dict.fromkeys(TEXT_FIELDS, ""), "consent": False}),
        (None, {**dict.fromkeys(TEXT_FIELDS, ""), "consent": False}),
    ],
    ids=["browser", "wrong-types", "consent-string", "consent-one", "not-an-object", "none"],
)
def test_a_submit_is_read_as_text_and_true_only(raw, expected):
    assert submitted_draft(raw) == expected


def test_every_field_has_its_label_autofill_token_and_limit():
    html = form_html({**FULL, "consent": False}, {}, NOTICE, "ja")
    for field, label in [("municipality", "自治体名 ＊"), ("message", "ご相談内容 ＊")]:
        assert f'<label for="jm-inq-{field}">{label}</label>' in html
    assert 'name="name" maxlength="100" aria-required="true" value="自治 花子" autocomplete="name"' in html
    assert 'type="tel"' in html and 'autocomplete="tel"' in html and 'autocomplete="organization"' in html
    # e-mail stays text: Chromium rewrites a full-width domain of type="email" to punycode
    assert 'type="email"' not in html and 'autocomplete="email"' in html
    assert "aria-invalid" not in html and "jm-field-error" not in html
    assert "novalidate" in html  # our messages, not the browser's pop-ups
    assert NOTICE in html and 'name="consent"' in html and " checked" not in html
    assert 'placeholder="例：〇〇市"' in html
    assert "placeholder" not in form_html(FULL, {}, NOTICE, "en")  # the examples are Japanese ones


def test_a_problem_is_tied_to_its_field():
    errors = {
        "phone": Problem("電話番号の形式が正しくありません。", "Phone"),
        "consent": Problem("同意", "Agree"),
    }
    html = form_html({**FULL, "consent": False}, errors, NOTICE, "ja")
    assert 'aria-invalid="true" aria-describedby="jm-inq-phone-error"' in html
    assert (
        '<p class="jm-field-error" id="jm-inq-phone-error">⚠️ 電話番号の形式が正しくありません。</p>' in html
    )
    assert 'aria-describedby="jm-inq-consent-error"' in html and 'id="jm-inq-consent-error"' in html
    assert html.count("aria-invalid") == 2
    assert form_data(FULL, errors, NOTICE, "ja")["focus_first_error"] is True
    assert form_data(FULL, {}, NOTICE, "ja")["focus_first_error"] is False


def test_what_was_typed_is_escaped_and_kept_exactly():
    hostile = {
        **FULL,
        "name": '"><script>alert(1)</script>',
        "message": "\n</textarea><img src=x onerror=alert(1)>",
    }
    html = form_html(hostile, {}, NOTICE, "ja")
    assert "<script>" not in html and "<img" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    # the newline HTML drops after <textarea> is added, so a leading newline survives
    assert '<textarea id="jm-inq-message"' in html
    assert 'rows="7">\n\n&lt;/textarea&gt;&lt;img' in html


def test_the_plain_fields_say_the_same_as_the_html():
    data = form_data({**FULL, "consent": True}, {"email": Problem("メール", "Mail")}, NOTICE, "en")
    fields = {f["name"]: f for f in data["fields"]}
    assert list(fields) == [*TEXT_FIELDS, "consent"]
    assert fields["email"]["label"] == "E-mail address" and fields["email"]["error"] == "Mail"
    assert fields["consent"]["value"] is True and " checked" in data["html"]
    assert json.loads(json.dumps(data)) == data  # the component's data travels as JSON


# -- the form's script, in Chromium --------------------------------------------------------------

_LOAD = """async (src) => {
  const url = URL.createObjectURL(new Blob([src], {type: "text/javascript"}));
  const mod = await import(url);
  window.sent = [];
  const host = document.getElementById("host");
  window.draw = (data) => mod.default({parentElement: host, data,
    setTriggerValue: (name, value) => window.sent.push([name, value])});
}"""


@pytest.fixture()
def form_page(page):
    page.set_content('<div id="host"></div>')
    page.evaluate(_LOAD, inquiry_form._JS)
    return page


def _draw(page, draft, errors=None):
    page.evaluate("(data) => window.draw(data)", form_data(draft, errors or {}, NOTICE, "ja"))


def test_script_sends_every_field_once_on_the_button_and_never_on_enter(form_page):
    _draw(form_page, {**FULL, "consent": False})
    form_page.get_by_label("お名前 ＊").fill("鍵盤 花子")
    form_page.get_by_label("お名前 ＊").press("Enter")  # Enter confirms an IME conversion: no send
    assert form_page.evaluate("window.sent") == []
    form_page.get_by_label("上記に同意しました").check()
    form_page.get_by_role("button", name="入力内容を確認する").click()
    assert form_page.evaluate("window.sent") == [["submit", {**FULL, "name": "鍵盤 花子", "consent": True}]]


def test_script_keeps_what_was_typed_when_the_page_is_drawn_again(form_page):
    _draw(form_page, {**FULL, "consent": False})
    form_page.get_by_label("お名前 ＊").fill("入力途中")
    # a rerun draws new data (e.g. the title from a deep link): typed fields stay, others update
    _draw(form_page, {**FULL, "article_title": "新しい題名", "consent": False})
    assert form_page.get_by_label("お名前 ＊").input_value() == "入力途中"
    assert form_page.get_by_label("記事タイトル ＊").input_value() == "新しい題名"
    assert form_page.get_by_label("ご相談内容 ＊").input_value() == FULL["message"]


def test_script_moves_focus_to_the_first_field_with_a_problem(form_page):
    _draw(form_page, {**FULL, "consent": False})
    assert form_page.evaluate("document.activeElement.id") == ""
    _draw(form_page, {**FULL, "phone": "12345", "consent": False}, {"phone": Problem("電話番号の形式", "x")})
    assert form_page.evaluate("document.activeElement.id") == "jm-inq-phone"
    assert form_page.get_by_label("電話番号 ＊").get_attribute("aria-describedby") == "jm-inq-phone-error"
