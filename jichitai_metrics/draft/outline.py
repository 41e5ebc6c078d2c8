"""What a seminar report's own layout says: title, date, registrants, programmes, speakers, sections.

Reports in the series share a shape (Day 1 is the model): a header with 実施日・参加対象・申込者数 and a
list of `Program1` … headings with their titles; then each programme's section opens with its title
again, a <講師> block and a プロフィール block. Everything here is read from those lines; what is
not there stays empty for the editor, never filled with a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jichitai_metrics.draft.numbers import DATE_RE, era_year, find_dates, infer_year, parse_number

PROGRAM_HEADING = re.compile(r"^\s*(?:Program|PROGRAM|プログラム|セッション|Session)\s*([0-9０-９]+)\s*$")
SUBHEADING_MAX = 40
BOUNDARY = "、。,，:：「」『』()（）!?！？\n"


@dataclass
class Programme:
    number: int
    title: str
    start: int = -1  # where its section begins in the text (-1: not found)
    end: int = -1
    speaker_ja: str = ""
    role_ja: str = ""
    organisation_ja: str = ""
    career: list[dict] = field(default_factory=list)


@dataclass
class Outline:
    report_title: str = ""
    title_ja: str = ""
    organiser: str = ""
    held_on: str = ""  # ISO date, or "" when the report does not give one
    held_on_note: str = ""
    fiscal_year: int | None = None
    audience_ja: str = ""
    registrants: int | None = None
    programmes: list[Programme] = field(default_factory=list)
    skip: list[tuple[int, int]] = field(default_factory=list)  # profile blocks: career, not figures
    subheadings: list[tuple[int, str]] = field(default_factory=list)
    body_start: int = 0

    def programme_at(self, pos: int) -> int | None:
        """The programme whose section holds text position pos (None: seminar-level)."""
        for p in self.programmes:
            if p.start >= 0 and p.start <= pos < p.end:
                return p.number
        return None

    def skipped(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.skip)

    def topic_at(self, pos: int) -> str:
        """The nearest subheading above pos in the same programme, else the programme title."""
        number = self.programme_at(pos)
        prog = next((p for p in self.programmes if p.number == number), None)
        lower = prog.start if prog else 0
        best = ""
        for at, heading in self.subheadings:
            if lower <= at <= pos:
                best = heading
        if best:
            return best
        return prog.title if prog else "セミナー概要"


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _after_colon(line: str) -> str:
    parts = re.split(r"[:：]", line, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def _speaker(block: list[str], prog: Programme) -> None:
    """<講師> block: organisation / role lines, then a name line ending in 氏 (or さん, 様)."""
    name_line = next((ln for ln in block if re.search(r"(?:氏|さん|様)$", ln)), "")
    others = [ln for ln in block if ln != name_line]
    if name_line:
        tokens = name_line.split()
        prog.speaker_ja = " ".join(tokens[-3:]) if len(tokens) >= 3 else name_line
        extra_role = " ".join(tokens[:-3]) if len(tokens) > 3 else ""
    else:
        extra_role = ""
    if others:
        first = others[0].split()
        prog.organisation_ja = first[0]
        role_parts = first[1:] + [w for ln in others[1:] for w in ln.split()]
        prog.role_ja = " ".join([*role_parts, extra_role]).strip()
    elif extra_role:
        prog.role_ja = extra_role


def _career(block: str) -> list[dict]:
    """Profile text -> career steps: each sentence or line, with its date when it starts with one."""
    steps = []
    for piece in re.split(r"[。\n]", block):
        piece = piece.strip()
        if not piece:
            continue
        m = DATE_RE.match(piece)
        if m and not m.group("md_month"):
            year = (
                era_year(m.group("era"), m.group("eyear"))
                if m.group("era")
                else int(parse_number(m.group("year")) or 0)
            )
            event = piece[m.end() :].lstrip("にからより 　、")
            steps.append({"when_ja": m.group(0), "year": year, "event_ja": event or piece})
        else:
            steps.append({"when_ja": "（時期の記載なし）", "year": None, "event_ja": piece})
    return steps


def read_outline(text: str) -> Outline:
    """Read the header, programme list and section boundaries of a report."""
    out = Outline()
    lines = _lines(text)
    nonblank = [(pos, ln.strip()) for pos, ln in lines if ln.strip()]
    title_at = next((i for i, (_, ln) in enumerate(nonblank[:10]) if "【" in ln and "】" in ln), None)
    if title_at is None and nonblank:
        title_at = 0
    if title_at is not None:
        out.report_title = nonblank[title_at][1]
        out.title_ja = re.sub(r"^【[^】]*】\s*", "", out.report_title) or out.report_title
        if title_at > 0:
            out.organiser = nonblank[0][1]
        fy = [d for d in find_dates(out.report_title) if d.fiscal_year]
        out.fiscal_year = fy[0].fiscal_year if fy else None
    listing: list[tuple[int, int, str]] = []  # (number, position, title)
    listing_end = 0
    for i, (pos, ln) in enumerate(nonblank):
        body = ln.lstrip("■□●・ ")
        if re.match(r"(?:実施日|開催日|日時|開催日時)\s*[:：]", body) and not out.held_on:
            _held_on(out, body)
        elif re.match(r"(?:参加対象|対象)\s*[:：]", body) and not out.audience_ja:
            out.audience_ja = _after_colon(body)
        elif re.match(r"(?:申込者数|申込数|参加者数|登録者数)\s*[:：]", body) and out.registrants is None:
            value = parse_number(re.sub(r"[人名].*$", "", _after_colon(body)))
            out.registrants = int(value) if value is not None else None
        m = PROGRAM_HEADING.match(ln)
        if m and i + 1 < len(nonblank):
            listing.append((int(parse_number(m.group(1)) or 0), pos, nonblank[i + 1][1]))
            listing_end = nonblank[i + 1][0]
    for number, pos, title in listing:
        prog = Programme(number, title)
        # The section opens where the title stands on its own line again, after the list.
        for lpos, ln in lines:
            if lpos > listing_end and ln.strip() == title:
                prog.start = lpos
                break
        if prog.start < 0:
            prog.start = pos  # inline style: the "ProgramN" heading itself opens the section
        out.programmes.append(prog)
    starts = sorted(p.start for p in out.programmes)
    for prog in out.programmes:
        later = [s for s in starts if s > prog.start]
        prog.end = later[0] if later else len(text)
    out.body_start = starts[0] if starts else 0
    _blocks(text, lines, out)
    return out


def _held_on(out: Outline, line: str) -> None:
    dates = find_dates(line)
    if not dates:
        return
    d = dates[0]
    if not d.iso.startswith("--"):
        out.held_on = d.iso if len(d.iso) == 10 else ""
        return
    month, day = int(d.iso[2:4]), int(d.iso[5:7])
    near = (out.fiscal_year - 1) if out.fiscal_year else None
    year = infer_year(month, day, d.weekday, near) if near else None
    if year:
        out.held_on = f"{year}-{month:02d}-{day:02d}"
        out.held_on_note = (
            f"the report gives {d.text} without a year; {year} is the year nearest to "
            f"FY{out.fiscal_year} - 1 in which that date is a {d.weekday}曜日"
        )
    else:
        out.held_on_note = f"the report gives {d.text} without a year"


def _blocks(text: str, lines: list[tuple[int, str]], out: Outline) -> None:
    """Speaker and profile blocks of each programme, and the subheadings used as topics."""
    for prog in out.programmes:
        section = [(pos, ln.strip()) for pos, ln in lines if prog.start <= pos < prog.end]
        i = 0
        while i < len(section):
            pos, ln = section[i]
            if ln in ("<講師>", "＜講師＞", "【講師】", "講師"):
                block, j = [], i + 1
                while j < len(section) and section[j][1] not in ("プロフィール", "【プロフィール】"):
                    if section[j][1]:
                        block.append(section[j][1])
                    elif block:
                        pass
                    j += 1
                    if len(block) >= 4:
                        break
                _speaker(block, prog)
                out.skip.append((pos, section[j][0] if j < len(section) else prog.end))
                i = j
                continue
            if ln in ("プロフィール", "【プロフィール】"):
                j = i + 1
                while j < len(section) and not section[j][1]:
                    j += 1
                k = j
                while k < len(section) and section[k][1]:
                    k += 1
                end = section[k][0] if k < len(section) else prog.end
                block_text = text[section[j][0] : end] if j < len(section) else ""
                prog.career = _career(block_text)
                out.skip.append((pos, end))
                i = k
                continue
            prev_blank = i == 0 or not section[i - 1][1]
            next_blank = i + 1 >= len(section) or not section[i + 1][1]
            if (
                ln
                and prev_blank
                and next_blank
                and len(ln) <= SUBHEADING_MAX
                and not ln.endswith("。")
                and ln != prog.title
                and i > 0
            ):
                out.subheadings.append((pos, ln))
            i += 1
