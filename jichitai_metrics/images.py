"""Chart images (PNG, SVG) rendered server-side with vl-convert and the packaged Japanese font.

The font comes from the pip package ``noto-cjk-sans-jp-regular`` (SIL OFL 1.1), so a fresh machine
renders Japanese as gothic text without any system font: without it vl-convert draws tofu boxes,
and with only Debian's fonts-noto-cjk the generic ``sans-serif`` falls back to Noto *Serif* CJK.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

# The family name stored in the .otf's name table (checked: "Noto Sans CJK JP"). vl-convert matches
# fonts by family name, so this is what config.font must say.
FONT_FAMILY = "Noto Sans CJK JP"
PNG_SCALE = 2.0
_CACHE_MAX = 256

_font_lock = threading.Lock()
_font_registered = False
_cache_lock = threading.Lock()
_cache: OrderedDict[tuple[str, str, float], bytes | str] = OrderedDict()


def font_directory() -> Path:
    """Folder of the packaged Noto Sans CJK JP .otf (the pip package holds only that font)."""
    import noto_cjk_sans_jp_regular

    return Path(noto_cjk_sans_jp_regular.__file__).resolve().parent


def ensure_font() -> None:
    """Register the packaged CJK font with vl-convert, once per process (it is process-global)."""
    global _font_registered
    if _font_registered:
        return
    with _font_lock:
        if not _font_registered:
            vlc.register_font_directory(str(font_directory()))
            _font_registered = True


def _vl_version() -> str:
    # Altair writes e.g. "v6.4.1"; vl-convert wants the "major.minor" it bundles ("6.4").
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def chart_spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite dict of a chart with data inlined and the gothic font set for every text."""
    # validate=False: jsonschema validation costs ~30 ms per chart, more than a third of a render;
    # the chart builders' own tests validate their specs, and vl-convert rejects a broken one anyway.
    spec = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict(validate=False)
    config = dict(spec.get("config") or {})
    # config.font is the default for titles, axes, legends and marks; we override only the family
    # so the chart builder's other settings (sizes, colours) are kept.
    config["font"] = FONT_FAMILY
    spec["config"] = config
    return spec


def spec_hash(spec: dict[str, Any]) -> str:
    """A stable key for a spec: the same chart renders once per process."""
    return hashlib.sha256(
        json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


def _cached(key: tuple[str, str, float], render) -> Any:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    value = render()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget rendered images (benchmarks use it to time cold renders)."""
    with _cache_lock:
        _cache.clear()


def render_png(chart: alt.TopLevelMixin | dict[str, Any], scale: float = PNG_SCALE) -> bytes:
    """PNG bytes of a chart at `scale` (2× by default: sharp on slides and projectors)."""
    ensure_font()
    spec = chart_spec(chart)
    return _cached(
        (spec_hash(spec), "png", float(scale)),
        lambda: vlc.vegalite_to_png(spec, vl_version=_vl_version(), scale=scale, allowed_base_urls=[]),
    )


def render_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """SVG text of a chart; text stays text, so the viewer needs the font (PNG is self-contained)."""
    ensure_font()
    spec = chart_spec(chart)
    return _cached(
        (spec_hash(spec), "svg", 1.0),
        lambda: vlc.vegalite_to_svg(spec, vl_version=_vl_version(), allowed_base_urls=[]),
    )


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels read from the PNG header (no imaging library needed)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
