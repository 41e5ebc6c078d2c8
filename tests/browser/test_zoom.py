"""200% browser zoom on a 1280×720 screen (WCAG 1.4.4 / 1.4.10, JIS X 8341-3 AA): nothing cut off,
nothing that needs sideways scrolling except a data table inside its own labelled scroll region.

200% zoom is emulated the way the browser does it: the layout gets 640×360 CSS pixels and each CSS
pixel is drawn with 2 device pixels. Screenshots of each page (top to bottom) are saved for looking.
"""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import PAGES
from tests.support import wait_idle

pytestmark = pytest.mark.browser

# Text clipped by its box (ellipsis or overflow hidden) outside the data tables' own scroll regions,
# and any element wider than the page.
CLIPPED_JS = """() => {
  const out = [];
  const main = document.querySelector("[data-testid='stMain']");
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push('page scrolls sideways: ' + document.documentElement.scrollWidth);
  if (main.scrollWidth > main.clientWidth + 1) out.push('main scrolls sideways: ' + main.scrollWidth);
  const texts = 'p, span, label, h1, h2, h3, button, a, div[data-testid=stMarkdownContainer]';
  for (const el of main.querySelectorAll(texts)) {
    if (el.closest('.jm-table') || !el.innerText || !el.innerText.trim()) continue;
    const s = getComputedStyle(el);
    const clips = s.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(s.overflowX);
    if (clips && el.scrollWidth > el.clientWidth + 1)
      out.push('cut off: ' + el.innerText.trim().slice(0, 60));
  }
  // A box that hides part of its content behind its own scrollbar (e.g. a list of chosen options).
  for (const el of main.querySelectorAll('div')) {
    if (el.closest('.jm-table') || el.matches('[data-testid=stMain]')) continue;
    const s = getComputedStyle(el);
    const boxed = ['auto', 'scroll', 'hidden'].includes(s.overflowY);
    if (boxed && el.scrollHeight > el.clientHeight + 1)
      out.push('clipped box: ' + el.innerText.trim().slice(0, 60));
  }
  return out;
}"""


@pytest.fixture()
def zoomed(browser):
    context = browser.new_context(
        viewport={"width": 640, "height": 360}, device_scale_factor=2, locale="ja-JP"
    )
    yield context.new_page()
    context.close()


def test_200_percent_zoom_nothing_cut_off_or_sideways(zoomed, app_url, tmp_path_factory):
    shots = tmp_path_factory.mktemp("zoom-200")
    found = {}
    for path in PAGES:
        zoomed.goto(f"{app_url}/{path}")
        wait_idle(zoomed)
        zoomed.wait_for_function("[...document.images].every(i => i.complete)")
        problems = zoomed.evaluate(CLIPPED_JS)
        if problems:
            found[path] = problems
        main = zoomed.locator("[data-testid='stMain']")
        height = main.evaluate("m => m.scrollHeight")
        for i, top in enumerate(range(0, min(height, 360 * 6), 300)):
            main.evaluate(f"m => m.scrollTo(0, {top})")
            zoomed.screenshot(path=str(shots / f"{path.replace('?', '_').replace('=', '')}-{i}.png"))
    print(f"screenshots: {shots}")
    assert found == {}
