"""`draft` and `validate` subcommands (registered in jichitai_metrics/__main__.py).

    python -m jichitai_metrics draft REPORT.txt --seminar ID [--out data/drafts/ID | data/seminars/ID]
    python -m jichitai_metrics validate data/

A draft written into data/seminars/ID holds the draft marker (catalog.DRAFT_MARK): the catalogue skips
it until the review page publishes it, so an unchecked draft never stops the dashboard.
Messages are Japanese first, English second; bad input exits 2 with a message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from jichitai_metrics import catalog
from jichitai_metrics.config import load_settings
from jichitai_metrics.draft.drafter import ReportTooLarge, draft_report
from jichitai_metrics.draft.files import draft_dir, is_marked_draft, validate_data_dir, write_draft

EXIT_PROBLEM = 2


def _err(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_PROBLEM


def read_report(path: Path) -> str:
    """The report as text; raises ValueError with a message for the person when it cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(
            f"エラー: レポートを読めません: {path} ({exc.strerror}) / error: cannot read the report"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"エラー: {path} は UTF-8 のテキストではありません（{exc.start} バイト目）。"
            "UTF-8 で保存し直してください（Shift_JIS なら: iconv -f CP932 -t UTF-8）。\n"
            f"error: {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8."
        ) from None
    if "\x00" in text:
        raise ValueError(
            f"エラー: {path} はテキストファイルではありません（NUL 文字を含む）。 / "
            "error: not a text file (it contains NUL bytes)"
        )
    if not text.strip():
        raise ValueError(f"エラー: {path} は空です。 / error: the report is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def run_draft(args: argparse.Namespace) -> int:
    if not catalog.SLUG.match(args.seminar or ""):
        return _err(
            f"エラー: セミナーID「{args.seminar}」は英小文字・数字・ハイフンだけにしてください。 / "
            "error: --seminar must be lower-case letters, digits and hyphens"
        )
    try:
        text = read_report(args.report)
    except ValueError as exc:
        return _err(str(exc))
    out: Path = args.out or draft_dir(load_settings().data_dir, args.seminar)
    if out.name != args.seminar:
        return _err(
            f"エラー: 出力フォルダ名（{out.name}）はセミナーID（{args.seminar}）と同じにしてください。 / "
            "error: the output folder must be named after the seminar id"
        )
    among_live = out.resolve().parent.name == catalog.SEMINARS_DIR
    if among_live and out.exists() and not is_marked_draft(out):
        # A live seminar (hand-made or published): a draft over it would take it off the dashboard.
        return _err(
            f"エラー: {out} は公開中のセミナーです。下書きで上書きできません"
            f"（data/drafts/{args.seminar}/ に書くか、別の ID にしてください）。 / "
            f"error: {out} is a live seminar; a draft never overwrites it (use data/drafts/ID or another id)"
        )
    if (out / "figures.csv").exists() and not args.force:
        return _err(
            f"エラー: {out} には既に下書きがあります（上書きは --force）。 / "
            f"error: {out} exists (use --force)"
        )
    started = time.perf_counter()
    try:
        draft = draft_report(text, args.seminar)
    except ReportTooLarge as exc:
        return _err(
            f"エラー: レポートが大きすぎます: {exc}。1回分のレポートに分けてください。 / "
            f"error: the report is too large: {exc}"
        )
    write_draft(draft, out)  # among the live seminars: with the draft marker, so the catalogue skips it
    review = sum(1 for r in draft.figures if r["needs_review"])
    print(
        f"{out}: {len(draft.figures)} figures ({review} need review), {len(draft.findings)} findings, "
        f"{len(draft.outline.programmes)} programmes, {time.perf_counter() - started:.2f}s\n"
        "下書きです。ダッシュボードの「レポートの取り込み（編集者用）」で確認・公開してください。 / "
        "This is a draft: review and publish it on the dashboard's review page."
        + (
            f"\n{catalog.DRAFT_MARK} ファイルがある間はカタログに読み込まれません。 / "
            f"Not loaded by the catalogue while it holds the {catalog.DRAFT_MARK} file."
            if among_live
            else ""
        )
    )
    return 0


def run_validate(args: argparse.Namespace) -> int:
    problems = validate_data_dir(args.path)
    for p in problems:
        print(p)
    if problems:
        return _err(f"{len(problems)} 件の問題があります。 / {len(problems)} problem(s).")
    print(f"{args.path}: OK")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `draft` and `validate` subcommands to the CLI's parser."""
    d = sub.add_parser(
        "draft",
        help="レポートから下書きを作る / draft a catalogue folder from a report",
        description="レポート（UTF-8 テキスト）の数値を、引用つきの下書き（figures.csv など）にします。"
        " Proposes figures with verbatim quotes; an editor reviews them before they go live.",
    )
    d.add_argument("report", type=Path, metavar="REPORT.txt", help="レポートのテキスト / the report text")
    d.add_argument("--seminar", required=True, metavar="ID", help="セミナーID / seminar id (folder name)")
    d.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="出力フォルダ（既定は data/drafts/ID。data/seminars/ID なら公開まで DRAFT 印つき） / "
        "output folder (default: data/drafts/ID; data/seminars/ID gets a DRAFT marker until published)",
    )
    d.add_argument("--force", action="store_true", help="既存の下書きを上書き / overwrite an existing draft")
    d.set_defaults(run=run_draft)
    v = sub.add_parser(
        "validate",
        help="データファイルを検査する / check the data files",
        description="カタログの検査だけを行います（ファイル・行・列・問題）。問題があれば終了コード 2。"
        " Checks data/ (or one seminar folder); prints file:line: column: problem; exit 2 on any problem.",
    )
    v.add_argument("path", type=Path, metavar="DATA_DIR", help="data/ またはセミナーのフォルダ / data folder")
    v.set_defaults(run=run_validate)
