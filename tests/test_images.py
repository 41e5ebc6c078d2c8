"""Chart images: the packaged CJK font is really used (not tofu, not the fallback), 2× PNG, SVG."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import altair as alt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from jichitai_metrics import images

TEXT_A = "住民サービス向上計画"
TEXT_B = "業務削減率改善目標値"  # same length as TEXT_A, different glyphs


def _text_chart(text: str) -> alt.Chart:
    # One big line of text and nothing else, so every dark pixel is a glyph.
    return (
        alt.Chart(pd.DataFrame({"t": [text]}))
        .mark_text(fontSize=48, color="black")
        .encode(text="t:N")
        .properties(width=700, height=90)
    )


def _ink(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128


_BASELINE = """
import json, sys, vl_convert as vlc
spec = json.loads(sys.stdin.read())
sys.stdout.buffer.write(vlc.vegalite_to_png(spec, vl_version=sys.argv[1], scale=2))
"""


def _render_without_our_font(chart: alt.Chart) -> bytes:
    """What vl-convert draws with neither our font registration nor our config.font.

    Runs in a fresh interpreter because font registration is process-global: once this test
    process has registered the font, it cannot be unregistered.
    """
    out = subprocess.run(
        [sys.executable, "-c", _BASELINE, images._vl_version()],
        input=json.dumps(chart.to_dict()).encode(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    return out.stdout


def test_font_family_is_in_the_packaged_file():
    # vl-convert matches by family name; the .otf's name table must carry the name we configure.
    otf = images.font_directory() / "NotoSansCJKjp-Regular.otf"
    assert otf.exists()
    assert images.FONT_FAMILY.encode("utf-16-be") in otf.read_bytes()


def test_japanese_is_not_tofu():
    # Tofu draws every missing glyph as the same box, so two different strings of the same length
    # would give (almost) the same pixels. Real glyphs differ.
    a, b = _ink(images.render_png(_text_chart(TEXT_A))), _ink(images.render_png(_text_chart(TEXT_B)))
    assert a.sum() > 5_000 and b.sum() > 5_000, "text was not drawn at all"
    assert (a ^ b).sum() > 0.5 * max(a.sum(), b.sum())


def test_glyphs_differ_from_the_render_without_our_font():
    chart = _text_chart(TEXT_A)
    ours = _ink(images.render_png(chart))
    fallback = _ink(_render_without_our_font(chart))
    assert ours.shape == fallback.shape
    # Same text, same size: only the typeface can move this many pixels.
    assert (ours ^ fallback).sum() > 0.2 * ours.sum()


def test_png_is_twice_the_svg_size():
    chart = _text_chart(TEXT_A)
    png = images.render_png(chart)
    svg = images.render_svg(chart)
    width, height = images.png_size(png)
    assert f'width="{width // 2}"' in svg and f'height="{height // 2}"' in svg


def test_svg_names_the_gothic_family():
    svg = images.render_svg(_text_chart(TEXT_A))
    assert "Noto Sans CJK JP" in svg
    assert TEXT_A in svg


def test_spec_keeps_builder_config_and_sets_font():
    chart = _text_chart(TEXT_A).configure_axis(labelFontSize=17)
    spec = images.chart_spec(chart)
    assert spec["config"]["font"] == images.FONT_FAMILY
    assert spec["config"]["axis"]["labelFontSize"] == 17


def test_external_data_is_refused():
    # allowed_base_urls=[]: a spec can't make the server fetch a URL.
    spec = {"data": {"url": "http://127.0.0.1:9/x.csv"}, "mark": "point"}
    with pytest.raises(ValueError, match="not allowed"):
        images.render_png(spec)


def test_renders_are_cached_by_spec():
    images.clear_cache()
    chart = _text_chart(TEXT_B)
    first = images.render_png(chart)
    assert images.render_png(_text_chart(TEXT_B)) is first
    assert images.render_png(_text_chart(TEXT_A)) is not first


def test_png_size_rejects_other_bytes():
    with pytest.raises(ValueError):
        images.png_size(b"GIF89a....................")


def test_render_worker_leaves_when_the_app_process_is_killed(tmp_path):
    """A SIGKILLed server must not leave its render process behind (it held ~250 MB for good)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.support import REPO_ROOT

    script = (
        "import time\n"
        "from jichitai_metrics import images\n"
        "images.warm_render_pool()\n"
        "pool = images._render_pool()\n"
        "deadline = time.time() + 120\n"
        "while not pool.pool._processes and time.time() < deadline:\n"
        "    time.sleep(0.1)\n"
        "print(*pool.pool._processes, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        worker = int(parent.stdout.readline().split()[0])
        os.kill(worker, 0)  # the worker is running
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                break
            try:  # reap it if it became our child's orphan and is a zombie of init: not ours
                with open(f"/proc/{worker}/stat") as f:
                    if f.read().split()[2] == "Z":
                        break
            except FileNotFoundError:
                break
            time.sleep(0.2)
        else:
            os.kill(worker, signal.SIGKILL)
            raise AssertionError("the render process outlived the killed app process by 20 s")
    finally:
        parent.kill()
