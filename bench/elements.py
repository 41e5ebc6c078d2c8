"""Benchmark (not a test): what one Streamlit element of each kind adds to the hello page's load.

Issue 12 asks every page to load within 1.3x of a one-line Streamlit page. This measures the floor
that target meets: the hello page (`st.write("hello")`) beside the same page with ONE more element
of a kind the dashboard uses, and beside the dashboard's page frame alone (our sidebar menu, the
language switch, the CSV encoding choice) around a one-line page, and beside 20 and 60 elements.
Same run, interleaved rounds, the same three measures as bench/pages.py (cold new context, warm
rerun, full reload until drawn).

    .venv/bin/python bench/elements.py              # 3 rounds x 3 runs per variant
    .venv/bin/python bench/elements.py --rounds 5
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.pages import measure_side_by_side, time_cold  # noqa: E402
from tests.support import REPO_ROOT, launch_chromium, running_app  # noqa: E402

HELLO = 'import streamlit as st\nst.write("hello")\n'
_FIELDS = ["記事タイトル", "自治体名", "部署・役職名", "お名前", "電話番号", "メールアドレス"]
INQUIRY_ST_FORM = f"""with st.form("f", enter_to_submit=False):
    for label in {_FIELDS!r}:
        st.text_input(label + " ＊", max_chars=100)
    st.text_area("ご相談内容 ＊", max_chars=2000, height=180)
    st.checkbox("個人情報の取り扱いに同意する")
    st.form_submit_button("入力内容を確認する", type="primary")"""
_NATIVE_HTML = (
    '<form class="jf">'
    + "".join(
        f'<p><label for="f{i}">{n} ＊</label><input id="f{i}" name="f{i}" maxlength="100"></p>'
        for i, n in enumerate(_FIELDS)
    )
    + '<p><label for="m">ご相談内容 ＊</label>'
    + '<textarea id="m" name="m" rows="7" maxlength="2000"></textarea></p>'
    + '<p><label><input type="checkbox" name="c"> 個人情報の取り扱いに同意する</label></p>'
    + '<button type="submit">入力内容を確認する</button></form>'
)
# (Inline CSS/JS must hold a newline, or Streamlit takes the string for a file path.)
_NATIVE_CSS = """/* inquiry */
.jf label { display: block; }
.jf input:not([type=checkbox]), .jf textarea { width: 100%; }"""
_NATIVE_JS = """export default function (component) {
  const form = component.parentElement.querySelector("form");
  form.onsubmit = (event) => { event.preventDefault();
    component.setTriggerValue("submit", Object.fromEntries(new FormData(form))); };
}"""
INQUIRY_NATIVE_FORM = (
    f"form = st.components.v2.component('jm_form', html={_NATIVE_HTML!r},\n"
    f"    css={_NATIVE_CSS!r}, js={_NATIVE_JS!r})\n"
    "form(key='jm_form', on_submit_change=lambda: None)"
)
# One more element of a kind the pages use (after the hello line).
ONE_MORE = {
    "title": 'st.title("タイトル")',
    "caption": 'st.caption("出典")',
    "html block": 'st.html("<p>x</p>")',
    "page link": 'st.page_link("app.py", label="link")',
    "radio": 'st.radio("a", ["x", "y"])',
    "text input": 'st.text_input("name")',
    "button": 'st.button("go")',
    "download button": 'st.download_button("dl", b"x", on_click="ignore")',
    "expander": 'st.expander("exp").write("x")',
    "form (input + submit)": 'with st.form("f"):\n    st.text_input("n")\n    st.form_submit_button("s")',
    # The inquiry page's fields (7 inputs, consent, submit) as Streamlit widgets, and the same fields as
    # one native HTML form in an st.components.v2 component (no Streamlit widget code to load).
    "inquiry fields, st.form": INQUIRY_ST_FORM,
    "inquiry fields, native form (components.v2)": INQUIRY_NATIVE_FORM,
    # How the count of elements weighs, whatever their kind (a programme page draws ~70).
    "20 captions": 'for i in range(20):\n    st.caption(f"出典 {i}")',
    "60 captions": 'for i in range(60):\n    st.caption(f"出典 {i}")',
}
# The dashboard's frame around a one-line page: hidden st.navigation + jichitai_metrics.ui.nav.
FRAME = f"""import sys
sys.path.insert(0, {str(REPO_ROOT)!r})
import streamlit as st
from jichitai_metrics.ui import downloads, nav
st.set_page_config(layout="wide")
PAGES = {{"セミナー": [st.Page("pages/a.py", title="概要", url_path="a", default=True),
                     st.Page("pages/b.py", title="プログラム別", url_path="b"),
                     st.Page("pages/c.py", title="数値一覧", url_path="c")],
         "お問い合わせ": [st.Page("pages/d.py", title="お問い合わせ", url_path="d")]}}
page = st.navigation(PAGES, position="hidden")
nav.draw_navigation(PAGES, page, "ja")
downloads.encoding_choice()
page.run()
"""


def _apps(tmp: Path) -> dict[str, Path]:
    apps = {"hello": HELLO, **{k: HELLO + v + "\n" for k, v in ONE_MORE.items()}, "our page frame": FRAME}
    out = {}
    for i, (name, code) in enumerate(apps.items()):
        folder = tmp / f"app{i}"
        (folder / "pages").mkdir(parents=True)
        (folder / "app.py").write_text(code, encoding="utf-8")
        for p in "abcd":
            (folder / "pages" / f"{p}.py").write_text(HELLO, encoding="utf-8")
        out[name] = folder / "app.py"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3, help="runs per variant per round")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        urls = {
            name: stack.enter_context(running_app(entry=str(path))) for name, path in _apps(Path(tmp)).items()
        }
        browser = launch_chromium(stack.enter_context(sync_playwright()))
        for url in urls.values():
            time_cold(browser, f"{url}/")  # first run through the router (not legacy pages/ mode)
        samples: dict[str, tuple[list[float], list[float], list[float]]] = {n: ([], [], []) for n in urls}
        for _ in range(args.rounds):  # interleaved, so drift moves every variant alike
            measured = measure_side_by_side(browser, {n: (url, "") for n, url in urls.items()}, args.runs)
            for name, timings in measured.items():
                for kept, new in zip(samples[name], timings, strict=True):
                    kept.extend(new)
        browser.close()
    hello = [statistics.median(s) for s in samples["hello"]]
    print(f"median of {args.rounds * args.runs} loads each; ratio = variant / hello, same run\n")
    print("| variant | cold ms | cold ratio | warm ms | warm ratio | reload ms | reload ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, kinds in samples.items():
        meds = [statistics.median(s) for s in kinds]
        cells = " | ".join(f"{m * 1000:.0f} | {m / h:.2f}" for m, h in zip(meds, hello, strict=True))
        label = name if name in ("hello", "our page frame") else f"hello + {name}"
        print(f"| {label} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
