"""Validation of the inquiry form: Japanese input in every common form, odd input never crashes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jichitai_metrics.inquiries import NewInquiry
from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore
from jichitai_metrics.inquiries.model import TEXT_FIELDS, search_key
from jichitai_metrics.inquiries.store import InvalidInquiry
from jichitai_metrics.inquiries.validation import LABELS, MAX_LENGTHS, Problem, email_ok, phone_ok, validate

GOOD = dict(
    article_title="【セミナーレポート】令和5年度予算×DX/Day1",
    municipality="小平市",
    department="情報政策課 主査",
    name="自治 花子",
    phone="042-341-1211",
    email="hanako@city.example.lg.jp",
    message="チャットボットの導入費用について教えてください。",
    consent=True,
)


def inquiry(**over) -> NewInquiry:
    return NewInquiry(**{**GOOD, **over})


def test_a_complete_inquiry_passes():
    assert validate(inquiry()) == {}


@pytest.mark.parametrize(
    "phone",
    [
        "042-341-1211",
        "0423411211",
        "０４２－３４１－１２１１",
        "０９０ー１２３４ー５６７８",
        "090‐1234‐5678",
        "090—1234—5678",
        "090―1234―5678",
        "090‑1234‑5678",
        "(042) 341-1211",
        "+81 42-341-1211",
        "0120-123-456",
        "０３　１２３４　５６７８",
    ],
)
def test_japanese_phone_numbers_in_common_forms(phone):
    assert phone_ok(phone), phone
    assert "phone" not in validate(inquiry(phone=phone))


@pytest.mark.parametrize(
    "phone",
    [
        "12345",
        "03-1234",
        "abc-defg-hijk",
        "090-1234-5678 内線12",
        "+1 212 555 0100",
        "=1+1",
        "03-1234-5678\x00",
    ],
)
def test_bad_phone_numbers_get_a_japanese_message(phone):
    problem = validate(inquiry(phone=phone))["phone"]
    assert "電話番号" in problem.ja


@pytest.mark.parametrize(
    "email", ["hanako@city.example.lg.jp", "ｈａｎａｋｏ＠example.jp", "a.b+c@example.co.jp"]
)
def test_email_syntax_accepted(email):
    assert email_ok(email)


@pytest.mark.parametrize("email", ["hanako", "hanako@", "@example.jp", "a b@example.jp", "a@b", "a@@b.jp"])
def test_email_syntax_refused(email):
    assert "メールアドレス" in validate(inquiry(email=email))["email"].ja


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_every_field_is_required(field):
    problems = validate(inquiry(**{field: " \u3000 "}))
    assert set(problems) == {field}
    assert "入力してください" in problems[field].ja


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_length_limits(field):
    limit = MAX_LENGTHS[field]
    problems = validate(inquiry(**{field: "あ" * (limit + 1)}))
    assert f"{limit:,}文字以内" in problems[field].ja


def test_consent_is_required():
    assert "同意" in validate(inquiry(consent=False))["consent"].ja


def test_control_characters_refused_but_newlines_allowed_in_the_message():
    assert "name" in validate(inquiry(name="山田\x07花子"))
    assert "message" in validate(inquiry(message="a\x00b"))
    assert validate(inquiry(message="一行目\n二行目\r\n\tインデント")) == {}


def test_search_key_folds_width_dashes_and_case():
    assert search_key("ＡＢＣ－０１") == search_key("abc-01") == search_key("Abc—01")


PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A9)",
    "-2+3",
    "@IMPORTXML(x)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example/)",
    "![x](https://evil.example/p.png)",
    "**太字** :red[赤] $x^2$ :material/home:",
    "'; DROP TABLE inquiries; --",
    "🍣👨‍👩‍👧 ｶﾀｶﾅ 𠮷野家",
]
# Refused since issue 10: they change how the text reads (bidi) or hide characters.
HIDDEN_CONTROLS = [
    "RTX05 \u202egnp.exe",
    "\ufeffBOM",
    "a\u200bb",
    "\u2066isolate\u2069",
    "x\u200ey",
    "line\u2028sep",
]


@pytest.fixture(scope="module")
def module_store(tmp_path_factory):
    s = DuckDBInquiryStore(tmp_path_factory.mktemp("val") / "v.duckdb")
    s.init_schema()
    yield s
    s.close()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_payloads_are_stored_verbatim(module_store, payload):
    typed = inquiry(name=payload[:100], message=payload, municipality=payload[:100])
    assert validate(typed) == {}
    got = module_store.get(module_store.submit(typed, f"payload-{PAYLOADS.index(payload)}").inquiry_id)
    assert (got.name, got.message, got.municipality) == (typed.name, typed.message, typed.municipality)


@pytest.mark.parametrize("payload", HIDDEN_CONTROLS)
@pytest.mark.parametrize("field", ["name", "municipality", "message"])
def test_bidi_and_invisible_controls_are_refused_naming_the_field(field, payload):
    problems = validate(inquiry(**{field: payload}))
    assert list(problems) == [field]
    label = LABELS[field][0]
    assert problems[field].ja.startswith(label) and "U+" in problems[field].ja


def test_visible_controls_shows_instead_of_applying():
    from jichitai_metrics.inquiries.model import visible_controls

    assert visible_controls("RTX05 \u202egnp.exe") == "RTX05 <U+202E>gnp.exe"
    assert visible_controls("行1\r\n行2\t👨\u200d💻") == "行1\r\n行2\t👨\u200d💻"  # kept as they are
    assert visible_controls("a\x07b") == "a<U+0007>b"


field_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.text(min_size=3990, max_size=4100),
    st.sampled_from(PAYLOADS),
    st.text(alphabet="０１２３４５６７８９ー－‐—―‑-() +", max_size=20),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(TEXT_FIELDS), value=field_text, consent=st.booleans())
def test_any_input_gives_messages_or_is_stored_verbatim(module_store, field, value, consent):
    typed = inquiry(**{field: value}, consent=consent)
    problems = validate(typed)  # never raises
    assert all(isinstance(p, Problem) and p.ja and p.en for p in problems.values())
    if problems:
        with pytest.raises(InvalidInquiry):
            module_store.submit(typed, f"h-{id(typed)}-{hash(value)}")
        return
    result = module_store.submit(typed, f"h-{hash((field, value))}-{len(value)}")
    assert getattr(module_store.get(result.inquiry_id), field) == value
