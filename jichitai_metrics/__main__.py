"""Command line: ``python -m jichitai_metrics deck --out FILE.pptx [--seminar ID] [--program N ...]``.

No streamlit here: the catalogue is built straight from the data folder, so the deck can be made
on a machine (or in a scheduled job) where the dashboard is not running.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from jichitai_metrics import handout, maintenance
from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import CatalogError, ConfigError, UnknownSeminar

EXIT_USAGE = 2
EXIT_DATA = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jichitai_metrics",
        description="自治体DXメトリクス: 予算説明用のスライド（.pptx）を作ります。 / "
        "Make a budget-meeting slide deck from the seminar figures.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    deck = sub.add_parser(
        "deck",
        help="スライド（.pptx）を書き出す / write a .pptx deck",
        description="グラフごとに1枚、出典・比較基準・注記つきのスライドを作ります（16:9）。"
        " One 16:9 slide per chart with its source, baseline and notes; quotes in the speaker notes.",
    )
    deck.add_argument(
        "--out", required=True, type=Path, metavar="FILE.pptx", help="書き出すファイル / output file"
    )
    deck.add_argument(
        "--seminar",
        metavar="ID",
        help="セミナーID（省略時は最初のセミナー） / seminar id (default: the first)",
    )
    deck.add_argument(
        "--program",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="プログラム番号（繰り返し可、省略時は全プログラム） / programme number (repeatable)",
    )
    deck.add_argument(
        "--chart",
        action="append",
        default=[],
        metavar="CHART_ID",
        help="グラフID（繰り返し可） / chart id (repeatable; overrides --program)",
    )
    deck.add_argument("--lang", choices=("ja", "en"), default="ja", help="言語 / language (default: ja)")
    deck.add_argument(
        "--data-dir", type=Path, help="データフォルダ（既定は JICHITAI_DATA_DIR） / data folder"
    )
    deck.add_argument(
        "--base-url",
        help="QRコードのリンク先（既定は JICHITAI_BASE_URL） / dashboard base URL for the QR code",
    )
    handout.add_subcommand(sub)
    maintenance.add_commands(sub)  # check-config, purge (issue 10)
    from jichitai_metrics import hashcli
    from jichitai_metrics.draft import cli as draft_cli

    hashcli.register(sub)
    draft_cli.register(sub)
    return parser


def _deck(args: argparse.Namespace) -> int:
    from jichitai_metrics import catalog, chart_card, queries, slides

    settings = load_settings()
    data_dir = args.data_dir or settings.data_dir
    if args.out.suffix.lower() != ".pptx":
        print(
            f"エラー: 出力ファイルは .pptx にしてください（{args.out}）。 / error: --out must end in .pptx",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not args.out.parent.exists():
        print(
            f"エラー: 出力先のフォルダがありません: {args.out.parent} / error: no such folder",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        con = catalog.build_catalog(data_dir)
    except CatalogError as exc:
        print(
            f"エラー: データファイルを読めません / error: cannot load the data files\n{exc}", file=sys.stderr
        )
        return EXIT_DATA
    seminar_id = args.seminar or str(queries.seminars(con)["id"].iloc[0])
    started = time.perf_counter()
    try:
        seminar_row, cards = chart_card.load_cards(con, seminar_id, args.program, args.chart, args.lang)
        data = slides.cards_deck(
            seminar_row,
            cards,
            programs=args.program,
            chart_ids=args.chart,
            lang=args.lang,
            base_url=args.base_url or settings.base_url,
        )
    except UnknownSeminar as exc:
        known = ", ".join(queries.seminars(con)["id"])
        print(
            f"エラー: 見つかりません / error: not found: {exc}\n"
            f"使えるセミナーID / known seminar ids: {known}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args.out.write_bytes(data)
    count = len(cards)
    print(
        f"{args.out}: {count + 2} slides ({count} charts), {len(data):,} bytes, "
        f"{time.perf_counter() - started:.1f}s"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad arguments or unknown id, 3 bad data)."""
    args = _parser().parse_args(argv)
    ours = maintenance.run(args)
    if ours is not None:
        return ours
    if args.command == "deck":
        try:
            return _deck(args)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return EXIT_USAGE
    if args.command == "handout":
        return handout.run_cli(args)
    if args.command == "hash-password":
        from jichitai_metrics import hashcli

        return hashcli.run(args)
    if hasattr(args, "run"):  # subcommands registered by their own modules (draft, validate)
        return int(args.run(args))
    return EXIT_USAGE  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":
    sys.exit(main())
