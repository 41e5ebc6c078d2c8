"""Start the test OpenID Connect provider (tests/oidc/provider.mjs, npm `oidc-provider`) on loopback."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "jichitai-test"
CLIENT_SECRET = "jichitai-test-secret"


def provider_missing() -> str | None:
    """Why the provider cannot start here, or None (scripts/setup.sh --test runs `npm ci`)."""
    if shutil.which("node") is None:
        return "node is not installed (Node.js 20 is needed for the OIDC test provider)"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        return "tests/oidc/node_modules is missing: run scripts/setup.sh --test (npm ci in tests/oidc)"
    return None


@contextlib.contextmanager
def oidc_provider(port: int, app_base: str, log: Path | None = None) -> Iterator[str]:
    """Run the provider for an app at `app_base`; yield its issuer URL."""
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        ["node", "provider.mjs", str(port), app_base],
        cwd=OIDC_DIR,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"oidc provider exited with {proc.returncode}")
            try:
                urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        yield issuer
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()  # type: ignore[union-attr]


def auth_secrets(issuer: str, app_base: str) -> str:
    """The `[auth]` section of secrets.toml for Streamlit's st.login against this provider."""
    return (
        "[auth]\n"
        f'redirect_uri = "{app_base}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-0123456789abcdef"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        # Streamlit asks for prompt=select_account, which oidc-provider does not know (Entra ID and
        # Keycloak do); "login" always shows the provider's sign-in page.
        'client_kwargs = { prompt = "login" }\n'
    )
