"""CSV downloads: the sidebar's encoding choice and the tables' download links.

Every table links to its file, which ui/csv_files.py serves: a chart card, a figure table, the
explorer's rows and the what-if's results (whose entries are in the page's URL).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from jichitai_metrics import export
from jichitai_metrics.ui import common, nav

ENCODING_KEY = "csv_encoding"


ENCODING_PARAM = "csv"  # ?csv=cp932 in a page's address: the choice travels with a shared link


def encoding_choice() -> str:
    """The CSV encoding for this session's downloads (UTF-8 BOM default), chosen in the sidebar.

    The choice is two links (the current one marked) rather than a radio button: a widget is one
    more React component on every page with a table (bench/elements.py: a sidebar radio with its
    help icon 1.18x the hello page on reload, a sidebar HTML block 1.08x). A link reruns this page
    with ?csv=…, client-side (ui/nav.py), and the choice stays for the session.
    """
    lang = common.lang()
    asked = st.query_params.get(ENCODING_PARAM)
    if asked in export.ENCODINGS:
        st.session_state[ENCODING_KEY] = asked
    current = session_encoding()
    items = "".join(
        f'<li><span aria-current="true">{html.escape(common.pick(*names, lang))}</span></li>'
        if code == current
        else "<li>" + nav.this_page_link(common.pick(*names, lang), {ENCODING_PARAM: code}) + "</li>"
        for code, names in export.ENCODINGS.items()
    )
    label = html.escape(common.pick("CSVの文字コード", "CSV encoding", lang))
    hint = html.escape(
        common.pick(
            "Excelでそのまま開くならUTF-8（BOM付き）。古いシステムに取り込む場合はShift_JIS（CP932）。",
            "UTF-8 with BOM opens directly in Excel; choose Shift_JIS (CP932) for older systems.",
            lang,
        )
    )
    st.sidebar.html(
        f'<div class="jm-nav jm-encoding"><p class="jm-nav-section" id="jm-encoding">{label}</p>'
        f'<ul aria-labelledby="jm-encoding">{items}</ul><p class="jm-caption">{hint}</p></div>'
    )
    return current


@common.shared_read(max_entries=512)
def csv_for(cache_key: tuple, encoding: str, _table: pd.DataFrame) -> export.CsvExport:
    """The CSV of a table named by `cache_key` (what it is: chart id, filters, language).

    Keyed by what the table is, not by its content: hashing the DataFrame on every run was a third
    of a programme page's server time (bench/pages.py). The page's link and the file route
    (ui/csv_files.py) share the bytes.
    """
    return export.csv_bytes(_table, encoding)


def session_encoding() -> str:
    """The encoding chosen in the sidebar (UTF-8 with BOM until a choice is made)."""
    encoding = st.session_state.get(ENCODING_KEY, "utf-8-sig")
    return encoding if encoding in export.ENCODINGS else "utf-8-sig"


def encoding_problem(result: export.CsvExport, lang: str) -> tuple[str, str] | None:
    """("warning" | "info", message) when the encoding cannot hold or changes characters."""
    enc_label = common.pick(*export.ENCODINGS[result.encoding], lang)
    if not result.ok:
        chars = "、".join(
            f"「{g['char']}」({g['codepoint']})" for g in export.summarise_problems(result.unencodable)
        )
        return "warning", common.pick(
            f"{enc_label}では次の文字を表せないため、このCSVは作成できません：{chars}。"
            "サイドバーで「UTF-8（BOM付き）」を選んでください（文字を置き換えることはしません）。",
            f"{enc_label} cannot hold these characters, so this CSV is not offered: {chars}. "
            "Choose UTF-8 in the sidebar (characters are never replaced).",
            lang,
        )
    if result.substituted:
        chars = "、".join(
            f"「{g['char']}」→「{g['becomes']}」" for g in export.summarise_problems(result.substituted)
        )
        return "info", common.pick(
            f"{enc_label}では次の文字が別の字形で保存されます：{chars}",
            f"In {enc_label} these characters are stored as look-alikes: {chars}",
            lang,
        )
    return None


def _label(result: export.CsvExport, lang: str) -> str:
    enc_label = common.pick(*export.ENCODINGS[result.encoding], lang)
    return common.pick(
        f"CSVをダウンロード（{result.rows}行・{enc_label}）",
        f"Download CSV ({result.rows} rows, {enc_label})",
        lang,
    )


def csv_link_html(seminar_id: str, name: str, lang: str, filters: Mapping[str, str] | None = None) -> str:
    """A download link to a table's CSV file (ui/csv_files.py), in the sidebar's encoding, as HTML.

    Where the encoding cannot hold a character the link is not offered and a note says why (as the
    button does); a look-alike substitution is noted beside the link.
    """
    from jichitai_metrics.ui import csv_files

    encoding = session_encoding()
    table = csv_files.csv_table(seminar_id, name, lang, filters)
    result = csv_for(table.cache_key, encoding, table.table)
    problem = encoding_problem(result, lang)
    note = f'<p class="jm-csv-note" role="note">{html.escape(problem[1])}</p>' if problem else ""
    if not result.ok:
        return note
    href = html.escape(csv_files.csv_href(seminar_id, name, lang, encoding, filters))
    filename = html.escape(table.filename)
    label = html.escape(_label(result, lang))
    return f'<a class="jm-button" href="{href}" download="{filename}">{label}</a>{note}'
