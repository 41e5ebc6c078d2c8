"""The handout's font cut: the same font for every character it holds, and never a missing glyph."""

from __future__ import annotations

import stat

import pytest
from fontTools import ttLib

from jichitai_metrics import pdffont, queries


@pytest.fixture(scope="module")
def cut():
    return pdffont.build_cut()  # made by scripts/setup.sh; at once if so


@pytest.fixture(scope="module")
def fonts(cut):
    return ttLib.TTFont(str(pdffont.full_font()), lazy=True), ttLib.TTFont(str(cut), lazy=True)


def _catalogue_text(con) -> str:
    parts = []
    for seminar in queries.seminars(con)["id"]:
        frame = queries.figures(con, seminar_id=seminar)
        for column in frame.columns:
            if frame[column].dtype == object:
                parts += [str(v) for v in frame[column].dropna()]
        parts += [str(v) for v in queries.programs(con, seminar).astype(str).to_numpy().ravel()]
    return "".join(parts)


def test_the_cut_holds_every_character_of_the_catalogue(cut, catalog_con):
    text = _catalogue_text(catalog_con)
    assert len(text) > 5000
    assert pdffont.font_for(text) == cut


def test_a_character_outside_the_cut_gets_the_full_font(cut):
    assert pdffont.font_for("令和5年度の予算") == cut
    assert pdffont.font_for("吉田さん") == cut
    assert pdffont.font_for("𠮷田さん") == pdffont.full_font()  # U+20BB7: not in JIS X 0208


def test_the_cut_draws_its_characters_as_the_full_font_does(fonts):
    full, cut = fonts
    full_cmap, cut_cmap = full.getBestCmap(), cut.getBestCmap()
    assert len(cut_cmap) > 6879  # at least JIS X 0208's characters
    assert len(cut.getGlyphOrder()) < len(full.getGlyphOrder()) / 5  # what makes it quick
    assert set(cut_cmap) <= set(full_cmap)
    for char in "令和年度予算職員満足度問合せ①㈱ＡａＡa％（）「」・ー":
        code = ord(char)
        assert full["hmtx"][full_cmap[code]] == cut["hmtx"][cut_cmap[code]], char
        full_cs = full["CFF "].cff.topDictIndex[0].CharStrings[full_cmap[code]]
        cut_cs = cut["CFF "].cff.topDictIndex[0].CharStrings[cut_cmap[code]]
        full_cs.decompile()
        cut_cs.decompile()
        assert _outline(full_cs) == _outline(cut_cs), char


def _outline(charstring) -> list:
    from fontTools.pens.recordingPen import RecordingPen

    pen = RecordingPen()
    charstring.draw(pen)
    return pen.value


def test_without_the_cut_the_full_font_is_used(monkeypatch, tmp_path):
    monkeypatch.setattr(pdffont, "cut_path", lambda source=None: tmp_path / "not-made.otf")
    assert pdffont.font_for("令和5年度") == pdffont.full_font()


def test_a_damaged_cut_falls_back_to_the_full_font(monkeypatch, tmp_path):
    broken = tmp_path / "broken.otf"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(pdffont, "cut_path", lambda source=None: broken)
    assert pdffont.font_for("令和5年度") == pdffont.full_font()


def test_the_cut_is_written_whole_and_readable_by_the_service_user(cut, tmp_path):
    target = tmp_path / "share" / "again.otf"
    made = pdffont.build_cut(source=cut, target=target)  # a cut of the cut: quick
    assert made == target and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert set(ttLib.TTFont(str(target), lazy=True).getBestCmap()) == set(
        ttLib.TTFont(str(cut), lazy=True).getBestCmap()
    )
    assert [p.name for p in target.parent.iterdir()] == ["again.otf"]  # no temporary left behind
