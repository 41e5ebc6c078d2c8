"""Throw-away PostgreSQL 15 and nginx servers on loopback, in temporary directories.

Shared by tests and bench/. Nothing here assumes a system service: the Debian packages' binaries
are started by hand and removed afterwards. PostgreSQL refuses to run as root, so when we are root
initdb/pg_ctl run as the `postgres` user (the Debian package creates it) via `runuser`.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import pwd
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support import REPO_ROOT, free_port

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller

PG_BIN = Path(os.environ.get("JICHITAI_PG_BIN", "/usr/lib/postgresql/15/bin"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY_SITE_CONF = REPO_ROOT / "deploy" / "nginx" / "jichitai.conf"


class ServerMissing(RuntimeError):
    """A Debian package the tests need is not installed (run scripts/setup.sh --test)."""


@dataclass(frozen=True)
class PgServer:
    """A running throw-away cluster: where it lives and how to reach it."""

    url: str
    port: int
    data_dir: Path
    run_as: str | None

    def pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on this cluster as its owner (e.g. "stop", "-m", "fast")."""
        subprocess.run(
            _as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-w", *args], self.run_as),
            check=True,
            capture_output=True,
            cwd=self.data_dir.parent,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )

    def psql(self, sql: str, db: str = "jichitai") -> str:
        """Run SQL with psql (as the cluster owner) and return its unaligned output."""
        cmd = [
            str(PG_BIN / "psql"),
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            db,
            "-c",
            sql,
        ]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def _as_owner(cmd: list[str], run_as: str | None) -> list[str]:
    return ["runuser", "-u", run_as, "--", *cmd] if run_as else cmd


def _owner() -> str | None:
    """The account that runs postgres: `postgres` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ServerMissing(
            "running as root but there is no `postgres` user; "
            "install Debian's postgresql (scripts/setup.sh --test)"
        ) from exc
    return "postgres"


@contextlib.contextmanager
def postgres_server(settings: dict[str, str] | None = None) -> Iterator[PgServer]:
    """initdb + start a PostgreSQL 15 cluster on a free loopback port; drop it all afterwards."""
    if not (PG_BIN / "initdb").exists():
        raise ServerMissing(f"{PG_BIN}/initdb is missing: run scripts/setup.sh --test (postgresql)")
    run_as = _owner()
    # Not under pytest's tmp_path: that is mode 0700 for root, and the postgres user must get in.
    base = Path(tempfile.mkdtemp(prefix="jichitai-pg-"))
    data = base / "data"
    base.chmod(0o755)
    if run_as:
        info = pwd.getpwnam(run_as)
        os.chown(base, info.pw_uid, info.pw_gid)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(
        _as_owner(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            run_as,
        ),
        check=True,
        capture_output=True,
        env=env,
        cwd=base,
    )
    conf = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        # The socket goes in our own directory, not /var/run/postgresql (may not exist, and a
        # system cluster may own it).
        "unix_socket_directories": f"'{base}'",
        "max_connections": "200",
        "shared_buffers": "64MB",
        # A test cluster: losing it on power failure is fine, and this makes 100 commits fast.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        **(settings or {}),
    }
    with (data / "postgresql.auto.conf").open("a") as fh:
        for key, value in conf.items():
            fh.write(f"{key} = {value}\n")
    log = base / "server.log"
    started = subprocess.run(
        _as_owner(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"], run_as
        ),
        capture_output=True,
        text=True,
        env=env,
        cwd=base,
    )
    try:
        if started.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
            raise RuntimeError(f"PostgreSQL did not start:\n{tail}")
        server = PgServer(
            url=f"postgresql://postgres@127.0.0.1:{port}/jichitai", port=port, data_dir=data, run_as=run_as
        )
        server.psql("CREATE DATABASE jichitai", db="postgres")
        yield server
    finally:
        subprocess.run(
            _as_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], run_as),
            capture_output=True,
            env=env,
            cwd=base,
        )
        shutil.rmtree(base, ignore_errors=True)


def make_self_signed_cert(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throw-away self-signed certificate for `host` (openssl from the Debian system): (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName=IP:{host}",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def render_site_conf(
    listen_port: int,
    replica_ports: list[int],
    source: Path = DEPLOY_SITE_CONF,
    *,
    tls_port: int | None = None,
    cert: Path | None = None,
    key: Path | None = None,
) -> str:
    """The shipped deploy/nginx/jichitai.conf with test ports and certificate, so the test proves that file.

    Fails loudly if the file no longer has the shape we substitute into (one `listen 80;`, one
    `listen 443 ssl;` with its redirect and certificate lines, and the two example replicas),
    instead of silently testing something else.
    """
    text = source.read_text(encoding="utf-8")
    text, n_listen = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen_port};", text, flags=re.M)
    tls_port = tls_port or free_port()
    text, n_tls = re.subn(r"^(\s*)listen 443 ssl;", rf"\1listen 127.0.0.1:{tls_port} ssl;", text, flags=re.M)
    text, n_redirect = re.subn(
        r"return 301 https://\$host\$request_uri;", f"return 301 https://$host:{tls_port}$request_uri;", text
    )
    text, n_cert = re.subn(r"^(\s*)ssl_certificate \S+;", rf"\1ssl_certificate {cert};", text, flags=re.M)
    text, n_key = re.subn(
        r"^(\s*)ssl_certificate_key \S+;", rf"\1ssl_certificate_key {key};", text, flags=re.M
    )
    servers = re.findall(r"^\s*server 127\.0\.0\.1:85\d\d\b[^;]*;", text, flags=re.M)
    if (n_listen, n_tls, n_redirect, n_cert, n_key, len(servers)) != (1, 1, 1, 1, 1, 2):
        raise AssertionError(
            f"{source}: expected one 'listen 80;', one 'listen 443 ssl;', one https "
            f"redirect, one ssl_certificate(_key) each and two 'server 127.0.0.1:85xx' "
            f"lines, found {n_listen}, {n_tls}, {n_redirect}, {n_cert}, {n_key}, "
            f"{len(servers)}"
        )
    # Each replica line keeps the file's own parameters (max_fails, fail_timeout...): they are tested too.
    params = re.match(r"\s*server 127\.0\.0\.1:85\d\d\b([^;]*);", servers[0]).group(1)  # type: ignore[union-attr]
    lines = "\n".join(f"    server 127.0.0.1:{p}{params};" for p in replica_ports)
    text = text.replace(servers[0], "\n" + lines, 1).replace(servers[1], "", 1)
    return text


@dataclass(frozen=True)
class NginxServer:
    url: str  # https://127.0.0.1:<tls port>: where the site is served
    port: int  # the TLS port
    prefix: Path
    http_url: str = ""  # http://127.0.0.1:<port>: redirects to url
    cert: Path | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.cert))

    def log(self) -> str:
        """nginx's error log."""
        return (self.prefix / "error.log").read_text(errors="replace")

    def access(self) -> list[dict[str, str]]:
        """Access-log entries: method, uri, status, upstream (replica address), sticky cookie."""
        path = self.prefix / "access.log"
        rows = []
        for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
            parts = line.split(" ")
            if len(parts) >= 5:
                rows.append(
                    dict(zip(("method", "uri", "status", "upstream", "cookie"), parts[:5], strict=False))
                )
        return rows


@contextlib.contextmanager
def nginx_server(
    replica_ports: list[int],
    site_conf: str | None = None,
    port: int | None = None,
    tls_port: int | None = None,
) -> Iterator[NginxServer]:
    """Run nginx in the foreground on loopback ports (free by default) in front of `replica_ports`.

    `port` serves plain HTTP (which the site redirects), `tls_port` HTTPS with a self-signed
    certificate made here; the yielded url is the HTTPS one.

    The access log records which replica answered each request ($upstream_addr), so tests can
    see stickiness and that both replicas took work.
    """
    if not Path(NGINX).exists():
        raise ServerMissing("nginx is missing: run scripts/setup.sh --test (nginx-light)")
    prefix = Path(tempfile.mkdtemp(prefix="jichitai-nginx-"))
    port = port or free_port()
    tls_port = tls_port or free_port()
    cert, key = make_self_signed_cert(prefix)
    site = (
        site_conf
        if site_conf is not None
        else render_site_conf(port, replica_ports, tls_port=tls_port, cert=cert, key=key)
    )
    (prefix / "jichitai.conf").write_text(site, encoding="utf-8")
    # The main context is what /etc/nginx/nginx.conf gives in production; here every path that
    # nginx writes (pid, logs, temp files) is inside the prefix so nothing touches /var.
    user_line = "user root;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"""
{user_line}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$request_method $uri $status $upstream_addr $cookie_jichitai_replica';
    access_log {prefix}/access.log upstream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/jichitai.conf;
}}
""",
        encoding="utf-8",
    )
    test = subprocess.run(
        [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf"), "-t"],
        capture_output=True,
        text=True,
    )
    if test.returncode != 0:
        shutil.rmtree(prefix, ignore_errors=True)
        raise RuntimeError(f"nginx rejected the configuration:\n{test.stderr}")
    proc = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(prefix),
            "-e",
            str(prefix / "error.log"),
            "-c",
            str(prefix / "nginx.conf"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"https://127.0.0.1:{tls_port}"
    server = NginxServer(
        url=url, port=tls_port, prefix=prefix, http_url=f"http://127.0.0.1:{port}", cert=cert
    )
    try:
        deadline = time.time() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"nginx exited with {proc.returncode}:\n"
                    + (prefix / "error.log").read_text(errors="replace")[-2000:]
                )
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=server.ssl_context())
                break
            except urllib.error.HTTPError:
                break  # nginx answers (a 502 before the replicas are up is still nginx answering)
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        try:
            yield server
        except BaseException:
            # The prefix (and its log) is removed below: keep nginx's own account of a failed test.
            log = prefix / "error.log"
            if log.exists():
                sys.stderr.write(
                    "nginx error.log, last 4000 characters:\n" + log.read_text(errors="replace")[-4000:]
                )
            raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(prefix, ignore_errors=True)


class Collector:
    """aiosmtpd handler that keeps every message it accepts (mail from, recipients, message, raw)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage, bytes]] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg, raw))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, n: int, timeout: float = 20) -> None:
        """Block until at least n messages arrived."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.messages) >= n, timeout):
                raise AssertionError(f"expected {n} messages, got {len(self.messages)}")


@contextlib.contextmanager
def smtp_server(port: int, handler: Collector) -> Iterator[Controller]:
    """An SMTP server (aiosmtpd) on 127.0.0.1:port for as long as the block runs."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
