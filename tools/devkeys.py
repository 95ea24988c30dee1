"""Writes the development keys under ``var/keys/``: the internal context token's Ed25519 pair, and identity's TOTP
key ring.

The gateway signs context tokens with ``context-private.jwk`` (``GATEWAY_CONTEXT_PRIVATE_KEY``); every service
verifies them with ``context-public.jwk`` (``PORTAL_CONTEXT_PUBLIC_KEY``). ``make run`` calls this script; an
existing pair is kept (``--force`` replaces it), and a missing public half is derived from the private one.
``identity-totp.keys`` (``IDENTITY_TOTP_KEYS``) is the AES-256 key ring sealing TOTP secrets; an existing ring is
always kept (replacing it would make every enrolled authenticator app unreadable: rotate by adding a line).
Development only: production keys come from the deployment's secret store.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
from pathlib import Path

from portal_runtime.context import generate_signing_key, load_key

ROOT = Path(__file__).resolve().parents[1]
PRIVATE = "context-private.jwk"
PUBLIC = "context-public.jwk"
TOTP_KEYS = "identity-totp.keys"


def _write(path: Path, jwk: dict[str, str], mode: int) -> None:
    """Write through a temporary file so a reader never sees half a key."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(jwk, indent=2, sort_keys=True) + "\n")
    os.chmod(tmp, mode)
    tmp.replace(path)


def ensure_keys(directory: Path, *, force: bool = False) -> bool:
    """Make sure the pair exists in ``directory``; returns True when something was written."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / PRIVATE, directory / PUBLIC
    if private.exists() and not force:
        key = load_key(str(private))
        expected = key.as_dict(private=False)
        if public.exists() and json.loads(public.read_text()) == expected:
            return False
    else:
        key = generate_signing_key()
        _write(private, key.as_dict(private=True), 0o600)
    _write(public, key.as_dict(private=False), 0o644)
    return True


def ensure_totp_keys(directory: Path) -> bool:
    """Identity's TOTP key ring (one AES-256 key), written once; True when written."""
    path = directory / TOTP_KEYS
    if path.exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(
            "# <key id>:<base64url 32 bytes>, one per line; the last one seals (see identity.factors.sealing)\n"
        )
        handle.write(f"dev-{secrets.token_hex(4)}:{key}\n")
    tmp.replace(path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devkeys", description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "keys", help="where to write (default: var/keys)")
    parser.add_argument("--force", action="store_true", help="replace an existing pair")
    args = parser.parse_args(argv)
    if ensure_keys(args.dir, force=args.force):
        print(f"devkeys: context signing key pair written to {args.dir}")
    if ensure_totp_keys(args.dir):
        print(f"devkeys: identity TOTP key ring written to {args.dir / TOTP_KEYS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
