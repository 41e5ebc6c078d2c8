"""CSV downloads: the sidebar's encoding choice and the one download button every table uses."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jichitai_metrics import export
from jichitai_metrics.ui import common

ENCODING_KEY = "csv_encoding"


def encoding_choice() -> str:
    """The CSV encoding for this session's downloads, chosen once in the sidebar (UTF-8 BOM default)."""
    lang = common.lang()
    options = list(export.ENCODINGS)
    return st.sidebar.radio(
        common.pick("CSVの文字コード", "CSV encoding", lang),
        options,
        format_func=lambda e: common.pick(*export.ENCODINGS[e], lang),
        key=ENCODING_KEY,
        persist_state="session",
        help=common.pick(
            "Excelでそのまま開くならUTF-8（BOM付き）。古いシステムに取り込む場合はShift_JIS（CP932）。",
            "UTF-8 with BOM opens directly in Excel; choose Shift_JIS (CP932) for older systems.",
            lang,
        ),
    )


@common.shared_read(max_entries=512)
def _csv(table: pd.DataFrame, encoding: str) -> export.CsvExport:
    return export.csv_bytes(table, encoding)


@common.shared_read(max_entries=512)
def _csv_keyed(cache_key: tuple, encoding: str, _table: pd.DataFrame) -> export.CsvExport:
    # Keyed by what the table is (chart id, filters, language), not by its content: hashing the
    # DataFrame on every run was a third of a programme page's server time (bench/pages.py).
    return export.csv_bytes(_table, encoding)


def csv_download(
    table: pd.DataFrame, filename: str, key: str, label: str | None = None, cache_key: tuple | None = None
) -> None:
    """A download button for exactly `table`, in the sidebar's encoding; warns instead of replacing.

    `cache_key` (hashable, unique to the table's content) lets a rerun skip hashing the table.
    """
    lang = common.lang()
    encoding = st.session_state.get(ENCODING_KEY, "utf-8-sig")
    if encoding not in export.ENCODINGS:
        encoding = "utf-8-sig"
    result = _csv(table, encoding) if cache_key is None else _csv_keyed(cache_key, encoding, table)
    enc_label = common.pick(*export.ENCODINGS[encoding], lang)
    if not result.ok:
        chars = "、".join(
            f"「{g['char']}」({g['codepoint']})" for g in export.summarise_problems(result.unencodable)
        )
        st.warning(
            common.md_escape(
                common.pick(
                    f"{enc_label}では次の文字を表せないため、このCSVは作成できません：{chars}。"
                    "サイドバーで「UTF-8（BOM付き）」を選んでください（文字を置き換えることはしません）。",
                    f"{enc_label} cannot hold these characters, so this CSV is not offered: {chars}. "
                    "Choose UTF-8 in the sidebar (characters are never replaced).",
                    lang,
                )
            ),
            icon=":material/warning:",
        )
    elif result.substituted:
        chars = "、".join(
            f"「{g['char']}」→「{g['becomes']}」" for g in export.summarise_problems(result.substituted)
        )
        st.info(
            common.md_escape(
                common.pick(
                    f"{enc_label}では次の文字が別の字形で保存されます：{chars}",
                    f"In {enc_label} these characters are stored as look-alikes: {chars}",
                    lang,
                )
            ),
            icon=":material/info:",
        )
    st.download_button(
        label
        or common.pick(
            f"CSVをダウンロード（{result.rows}行・{enc_label}）",
            f"Download CSV ({result.rows} rows, {enc_label})",
            lang,
        ),
        data=result.data,
        file_name=filename,
        mime=result.mime,
        key=key,
        on_click="ignore",  # a download must not rerun the page
        icon=":material/download:",
        disabled=not result.ok,
    )
