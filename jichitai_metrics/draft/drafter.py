"""Propose catalogue rows from a report's text: every number with the shortest verbatim quote that holds it.

The draft is a proposal for an editor, never a publication: each row carries `needs_review` reasons
(hearsay, 「まで削減」, no unit, a range, a quote that is not unique …), labels in English and the
programme summaries stay empty, and nothing here resolves an ambiguity by choosing a reading.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from jichitai_metrics.catalog import QUALIFIERS
from jichitai_metrics.draft.numbers import (
    REDUCTION_AMBIGUITY,
    Quantity,
    find_dates,
    find_quantities,
    hearsay_in,
)
from jichitai_metrics.draft.outline import BOUNDARY, Outline, read_outline

MAX_QUOTE = 40
READABLE_SLACK = 3
# Day 1 is about 13,000 characters; a seminar report 20 times longer is still a report, anything far
# beyond is a wrong file. The bound also bounds the time: quotes cost O(text x figures) (~3 s here).
MAX_CHARS = 300_000
SENTENCE_END = "。！？!?\n"
TARGET_WORDS = ("までに", "目標", "目指", "予定", "見込")
PARTICLES_AFTER_DATE = ("に", "、", "から", "より", "以降", ",")
AGE_UNITS = ("代", "歳代", "歳")
PARTICLES = "はがのをでにもとへや"


class ReportTooLarge(ValueError):
    """The text is far longer than any seminar report (MAX_CHARS)."""


@dataclass
class Draft:
    seminar_id: str
    text: str
    outline: Outline
    figures: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)


def _occurrences(text: str, needle: str, limit: int = 100_000) -> list[int]:
    found: list[int] = []
    pos = text.find(needle)
    while pos >= 0 and len(found) < limit:
        found.append(pos)
        pos = text.find(needle, pos + 1)
    return found


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    return left, len(text) if right < 0 else right


def _unique(text: str, anchors: list[int], offset: int, window: str) -> bool:
    """True when window occurs once; every occurrence of it contains the anchor span at `offset`."""
    hits = 0
    for p in anchors:
        if p - offset >= 0 and text.startswith(window, p - offset):
            hits += 1
            if hits > 1:
                return False
    return hits == 1


def shortest_unique_quote(text: str, start: int, end: int, max_len: int = MAX_QUOTE) -> tuple[int, int, bool]:
    """(quote_start, quote_end, unique): the shortest window within one line that holds [start, end)
    and occurs exactly once in text, widened one character at a time; (start, end, False) when no window
    of at most max_len characters is unique."""
    span = text[start:end]
    if not span:
        return start, end, False
    anchors = _occurrences(text, span)
    if len(anchors) == 1:
        return start, end, True
    lo, hi = _line_bounds(text, start, end)
    longest = min(max_len, hi - lo)
    if longest <= len(span):
        return start, end, False

    def windows(length: int) -> list[tuple[int, int]]:
        extra = length - len(span)
        out = []
        for left in range(extra, -1, -1):
            a, b = start - left, end + (extra - left)
            if a >= lo and b <= hi:
                out.append((a, b))
        return out

    # A window inside a repeated window is repeated too, and every shorter window lies inside a longest
    # one; so when every longest window repeats (a pasted-twice text) no search is needed.
    if not any(_unique(text, anchors, start - a, text[a:b]) for a, b in windows(longest)):
        return start, end, False
    for length in range(len(span) + 1, longest + 1):
        if any(_unique(text, anchors, start - a, text[a:b]) for a, b in windows(length)):
            # Shortest first, but a few characters more may buy a quote that starts and ends on a word
            # boundary (満足25% rather than 足25%).
            pool = [
                (a, b)
                for n in range(length, min(length + READABLE_SLACK, longest) + 1)
                for a, b in windows(n)
                if _unique(text, anchors, start - a, text[a:b])
            ]
            pool.sort(key=lambda w: (-_boundary_score(text, start, end, *w), w[1] - w[0], start - w[0]))
            return pool[0][0], pool[0][1], True
    return start, end, False  # pragma: no cover - the longest-window check above returned a unique one


def _boundary_score(text: str, start: int, end: int, a: int, b: int) -> int:
    left = a == start or a == 0 or text[a - 1] in BOUNDARY or text[a - 1].isspace()
    right = b == end or b >= len(text) or text[b] in BOUNDARY or text[b].isspace()
    ragged = int(text[a] in BOUNDARY) + int(text[b - 1] in BOUNDARY)  # 「、6つ」 reads worse than 「6つの」
    return int(left) + int(right) - ragged


@functools.lru_cache(maxsize=16)
def _marks(text: str, chars: str) -> list[int]:
    """Sorted positions of any of chars in text, found once per text (a str caches its hash, so the
    lookup is cheap); every sentence and clause boundary is then a bisect, not a scan of the text."""
    return [i for i, c in enumerate(text) if c in chars]


def _before(text: str, chars: str, pos: int) -> int:
    """Position of the last of chars before pos, or -1."""
    marks = _marks(text, chars)
    i = bisect.bisect_left(marks, pos)
    return marks[i - 1] if i else -1


def _from(text: str, chars: str, pos: int) -> int:
    """Position of the first of chars at or after pos, or len(text)."""
    marks = _marks(text, chars)
    i = bisect.bisect_left(marks, pos)
    return marks[i] if i < len(marks) else len(text)


def _sentence(text: str, pos: int) -> tuple[int, int]:
    hi = _from(text, SENTENCE_END, pos)
    return _before(text, SENTENCE_END, pos) + 1, min(hi + 1, len(text))


def _clause(text: str, pos: int) -> tuple[int, int]:
    marks = SENTENCE_END + "、,，"
    return _before(text, marks, pos) + 1, _from(text, marks, pos)


def _label(text: str, q: Quantity) -> str:
    """The words just before the number in its clause (申込者数, 不満 …); the editor rewrites it."""
    lo = _before(text, BOUNDARY, q.start) + 1
    before = text[lo : q.start].strip().rstrip(PARTICLES)
    if len(before) < 2 and lo > 1:
        lo2 = _before(text, BOUNDARY, lo - 1) + 1
        before = text[lo2 : lo - 1].strip().rstrip(PARTICLES)
    if len(before) < 2:
        before = text[q.end : _from(text, BOUNDARY, q.end)].strip().lstrip(PARTICLES)
    return before[-30:].lstrip("■□●◆・*＊ 　") or q.text


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.10g}"


def draft_report(text: str, seminar_id: str) -> Draft:
    """Propose figures and findings for the report `text` (already decoded)."""
    if len(text) > MAX_CHARS:
        raise ReportTooLarge(f"{len(text):,} characters (the limit is {MAX_CHARS:,})")
    outline = read_outline(text)
    draft = Draft(seminar_id, text, outline)
    quantities = [q for q in find_quantities(text) if not outline.skipped(q.start)]
    dates = [d for d in find_dates(text) if not outline.skipped(d.start)]
    sentences_with_figures = {_sentence(text, q.start) for q in quantities}
    figure_clauses = {_clause(text, q.start) for q in quantities}
    n = 0
    for q in quantities:
        if q.kind == "range" and q.unit in AGE_UNITS:
            _add_finding(draft, q.start, q.end, ["年齢の範囲: 数値ではなく記述として提案"])
            continue
        n += 1
        draft.figures.append(_figure_row(draft, q, dates, f"{seminar_id}-f{n:03d}"))
    for d in dates:
        after = text[d.end : d.end + 4]
        if after.startswith(("比", "と比")) or d.start < outline.body_start:
            continue
        in_figure_sentence = _sentence(text, d.start) in sentences_with_figures
        if (
            after.startswith(PARTICLES_AFTER_DATE)
            and not (d.fiscal_year and in_figure_sentence)
            or after.startswith("まで")
            and not in_figure_sentence
        ):
            if _clause(text, d.start)[0] != _clause(text, d.end)[0]:
                continue
            if _clause(text, d.start) in figure_clauses:
                continue  # the date is the as-of of a figure in the same clause
            _add_finding(draft, d.start, d.end, ["日付を含む記述"])
    return draft


def _figure_row(draft: Draft, q: Quantity, dates: list[Quantity], fid: str) -> dict:
    text, outline = draft.text, draft.outline
    review: list[str] = []
    notes = list(q.notes)
    s_lo, s_hi = _sentence(text, q.start)
    sentence = text[s_lo:s_hi]
    hearsay = hearsay_in(text[q.end : s_hi])
    if hearsay:
        notes.append(f"報告は「{hearsay}」と伝聞の形で述べている")
        review.append(f"伝聞（{hearsay}）")
    kind = "target" if any(w in sentence for w in TARGET_WORDS) else "reported"
    baseline, as_of, fiscal_year = "", "", ""
    clause = _clause(text, q.start)
    for d in dates:
        if not s_lo <= d.start < s_hi:
            continue
        if text.startswith(("比", "と比"), d.end):
            baseline = d.text
        elif d.fiscal_year:
            fiscal_year = str(d.fiscal_year)
        elif _clause(text, d.start) == clause or text[d.end : d.end + 1] in ")）":
            if not d.iso.startswith("--"):
                as_of = d.iso
    ambiguous = False
    for note in q.notes:
        if REDUCTION_AMBIGUITY in note or note.startswith("範囲") or "幅のある数" in note:
            ambiguous = True
            review.append(note)
    if not q.unit:
        ambiguous = True
        review.append("単位がない: 何の数かを本文で確かめる")
    if q.qualifier not in QUALIFIERS:
        review.append(f"修飾語「{q.qualifier}」はカタログの qualifier（約/以上/以下/未満）にない")
    a, b, unique = shortest_unique_quote(text, q.start, q.end)
    if not unique:
        review.append(f"引用が本文に{len(_occurrences(text, text[a:b]))}回出てくる")
    return {
        "id": fid,
        "seminar_id": draft.seminar_id,
        "program": outline.programme_at(q.start) or "",
        "topic": outline.topic_at(q.start),
        "label_ja": _label(text, q),
        "label_en": "",
        "value": _number_text(q.value),
        "unit": q.unit,
        "qualifier": q.qualifier,
        "baseline": baseline,
        "as_of": as_of,
        "fiscal_year": fiscal_year,
        "kind": kind,
        "quote": text[a:b],
        "note_ja": "。".join(notes) + ("。" if notes else ""),
        "note_en": "",
        "ambiguous": "true" if ambiguous else "false",
        "derivation": "",
        "needs_review": " / ".join(review),
        "review": "",
        "quote_start": a,
    }


def _add_finding(draft: Draft, start: int, end: int, reasons: list[str]) -> None:
    text = draft.text
    c_lo, c_hi = _clause(text, start)
    s_lo, s_hi = _sentence(text, start)
    stop = min(s_hi, start + 30)
    # From the date or range to the end of its clause (at least a few words), as the quote to check.
    q_end = max(end, min(c_hi, stop))
    if q_end - start < 12:
        q_end = min(stop, _from(text, SENTENCE_END + "、", start + 12))  # to the next clause end
    q_end = min(q_end, _line_bounds(text, start, end)[1])
    a, b, unique = shortest_unique_quote(text, start, q_end)
    review = [*reasons, "statement_ja は本文のまま: 自分の言葉で書き直す"]
    if not unique:
        review.append("引用が本文に複数回出てくる")
    n = len(draft.findings) + 1
    draft.findings.append(
        {
            "id": f"{draft.seminar_id}-n{n:03d}",
            "seminar_id": draft.seminar_id,
            "program": draft.outline.programme_at(start) or "",
            "topic": draft.outline.topic_at(start),
            "statement_ja": re.sub(r"\s+", " ", text[s_lo:s_hi]).strip()[:200],
            "statement_en": "",
            "quote": text[a:b],
            "note_ja": "",
            "note_en": "",
            "needs_review": " / ".join(review),
            "review": "",
            "quote_start": a,
        }
    )
