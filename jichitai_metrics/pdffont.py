"""The handout's text font: a JIS-repertoire cut of the bundled Noto Sans CJK JP, made once per install.

Why: fpdf2 parses the whole font for every PDF (cmap and metrics of 65,535 glyphs) and fontTools then
subsets it, walking the CFF subroutines of the full font. That was the largest part of a handout
that bench/handout.py measured at 1.22-1.28x the deck (target <= 1.2x). The same fpdf2 document
with a cut of ~8,900 glyphs (JIS X 0208 with the Windows-31J additions, kana, Latin, the usual
symbols) took 0.08 s instead of 0.49 s; the embedded subset is the same glyphs either way.

The cut is made with fontTools (the library fpdf2 itself subsets with) by ``scripts/setup.sh``
(``python -m jichitai_metrics.pdffont``), ~8 s, into the virtual environment that holds the source
font, so the two always match. A page never waits for it: where the cut is missing, or a text holds
a character outside it (a rare kanji in a new report, say), the handout uses the full font.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# Bump when the repertoire below changes: the file name carries it, so an old cut is not reused.
REPERTOIRE_VERSION = 1

# Blocks taken whole, on top of Windows-31J (cp932, which is JIS X 0208 plus NEC/IBM extensions):
# Latin, general punctuation to miscellaneous symbols (①, ※, →, ■), CJK radicals and Kangxi radicals
# (PDF-extracted report text carries them, e.g. U+2FB0 in the seed), CJK symbols and kana,
# enclosed CJK (㈱), compatibility ideographs, half- and full-width forms.
_BLOCKS = (
    (0x0020, 0x024F),
    (0x2000, 0x2BFF),
    (0x2E80, 0x2FDF),
    (0x3000, 0x30FF),
    (0x3200, 0x33FF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
)


def full_font() -> Path:
    """The packaged Noto Sans CJK JP .otf (the same font vl-convert draws the charts with)."""
    from jichitai_metrics import images

    return next(images.font_directory().glob("*.otf"))


def repertoire() -> set[int]:
    """Code points the cut is made for (before dropping those the font itself lacks)."""
    chars = {c for lo, hi in _BLOCKS for c in range(lo, hi + 1)}
    for lead in range(0x81, 0xFD):
        for trail in range(0x40, 0xFD):
            try:
                chars.update(map(ord, bytes((lead, trail)).decode("cp932")))
            except UnicodeDecodeError:
                continue
    return chars


def cut_path(source: Path | None = None) -> Path:
    """Where the cut of `source` lives: the environment's share/ folder, named after its source."""
    source = source or full_font()
    key = hashlib.sha256(f"{source.name}:{source.stat().st_size}:{REPERTOIRE_VERSION}".encode()).hexdigest()
    return Path(sys.prefix) / "share" / "jichitai-metrics" / f"{source.stem}-JIS-{key[:12]}.otf"


def build_cut(source: Path | None = None, target: Path | None = None) -> Path:
    """Make the cut (atomically: a reader never sees half a file) unless it is there already."""
    from fontTools import subset, ttLib

    source = source or full_font()
    target = target or cut_path(source)
    if target.exists():
        return target
    font = ttLib.TTFont(str(source), lazy=True)
    present = font.getBestCmap()
    options = subset.Options(
        notdef_outline=True, recommended_glyphs=True, name_IDs=["*"], name_languages=["*"]
    )
    # Layout tables: fpdf2 drops them from every subset it embeds (it does no shaping here).
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for c in repertoire() if c in present])
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            font.save(out)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the service user reads it too
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


@functools.lru_cache(maxsize=4)
def _cut_cmap(path: Path, size: int) -> frozenset[int]:
    from fontTools import ttLib

    return frozenset(ttLib.TTFont(str(path), lazy=True).getBestCmap())


def font_for(text: str) -> Path:
    """The font file for a handout holding `text`: the cut where it covers every character."""
    source = full_font()
    cut = cut_path(source)
    try:
        covered = _cut_cmap(cut, cut.stat().st_size)
    except FileNotFoundError:
        _say_missing_once(cut)
        return source
    except Exception:  # noqa: BLE001 - a damaged cut: the full font is always right, only slower
        log.exception("handout font cut %s unreadable; using the full font", cut)
        return source
    needed = {ord(c) for c in text if not c.isspace()}
    return cut if needed <= covered else source


@functools.lru_cache(maxsize=1)
def _say_missing_once(cut: Path) -> None:
    log.info("handout font cut %s not made yet: using the full font (run scripts/setup.sh)", cut)


if __name__ == "__main__":
    print(build_cut())
