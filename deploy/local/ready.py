"""The `ready` process of the local stack: waits for the stack, prints where everything is, then stays up.

The gateway's ``/healthz`` answers 200 once every service is ready and the broker answers.

honcho stops the whole stack as soon as any process exits, so this one never exits on its own; Ctrl-C (honcho's
SIGTERM) ends it with the rest. The services and their ports are read from the Procfile beside this file.
"""

from __future__ import annotations

import re
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROCFILE = Path(__file__).with_name("Procfile")
WAIT_S = 60.0


def service_ports(procfile: Path = PROCFILE) -> dict[str, int]:
    """``name: uvicorn ... --port N`` lines of the Procfile, in order."""
    ports = {}
    for line in procfile.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*uvicorn\s.*--port\s+(\d+)", line)
        if match:
            ports[match.group(1)] = int(match.group(2))
    return ports


def status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def wait_for(url: str, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if status(url) == 200:
            return True
        time.sleep(0.5)
    return False


def banner(gateway: str) -> str:
    lines = ["", "The portal is up.", f"  gateway        {gateway}   (health of the stack: curl {gateway}/healthz)"]
    if status(f"{gateway}/docs") == 200:
        lines.append(f"  API docs       {gateway}/docs")
    for name, port in service_ports().items():
        base = f"http://127.0.0.1:{port}"
        ready = "ready" if status(f"{base}/readyz") == 200 else "not ready yet (see its /readyz)"
        lines.append(f"  {name:<14} {base}/docs   {ready}")
    lines += ["Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    gateway = (argv[1] if len(argv) > 1 else "http://127.0.0.1:8000").rstrip("/")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    health = f"{gateway}/healthz"
    if not wait_for(health, WAIT_S):
        print(f"ready: {health} is not 200 after {WAIT_S:.0f} s; see the logs above. Still waiting.", flush=True)
        while not wait_for(health, WAIT_S):
            pass
    print(banner(gateway), flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main(sys.argv)
