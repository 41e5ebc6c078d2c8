"""`python -m jichitai_metrics hash-password`: make the value for JICHITAI_ADMIN_PASSWORD_HASH.

The password is read without echo (twice, to catch typos) or from standard input when piped, so it
never lands in the shell history or the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from jichitai_metrics.staffauth import MIN_PASSWORD_LENGTH, hash_password, is_placeholder


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sub-command to the CLI's parser."""
    sub.add_parser(
        "hash-password",
        help="受付箱のパスワードのハッシュを作る / hash the inbox password",
        description="JICHITAI_ADMIN_PASSWORD_HASH に設定する scrypt ハッシュを表示します。"
        "パスワードは画面に表示されません。"
        " Prints an scrypt hash for JICHITAI_ADMIN_PASSWORD_HASH; the password is read without echo.",
    )


def run(_args: argparse.Namespace) -> int:
    """Read the password, check the rules, print the hash; 2 when the password is refused."""
    if sys.stdin.isatty():
        password = getpass.getpass("パスワード / password: ")
        if getpass.getpass("もう一度 / again: ") != password:
            print("エラー: 2回の入力が一致しません。 / error: the two entries differ.", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH or is_placeholder(password):
        print(
            f"エラー: {MIN_PASSWORD_LENGTH}文字以上で、例の値（CHANGE-ME など）でない"
            "パスワードにしてください。"
            f" / error: use at least {MIN_PASSWORD_LENGTH} characters and not a template value.",
            file=sys.stderr,
        )
        return 2
    print(hash_password(password))
    return 0
