"""Real infrastructure for integration tests: throw-away PostgreSQL databases and a Tansu broker on a free port."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from portal_runtime.broker import broker_argv

PG_ADMIN_DSN = os.environ.get("PORTAL_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_postgres_running() -> None:
    """Start the machine's packaged cluster when it is down (pg_ctlcluster), then wait until it answers."""
    if port_open("127.0.0.1", 5432):
        return
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if versions and shutil.which("pg_ctlcluster"):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"],
            check=False,
            capture_output=True,
            timeout=60,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if port_open("127.0.0.1", 5432):
            return
        time.sleep(0.3)
    raise RuntimeError(
        "PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started; "
        "set PORTAL_TEST_PG_DSN to a server the tests may create databases on"
    )


REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# How CI starts the machine's Redis when it is down: in memory only, logs kept where the package puts them.
REDIS_ARGV = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    str(REDIS_PORT),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def ensure_redis_running() -> str:
    """The URL of the machine's Redis on 127.0.0.1:6379, started (``redis-server --daemonize``) when it is down."""
    if not port_open(REDIS_HOST, REDIS_PORT):
        if shutil.which("redis-server") is None:
            raise RuntimeError("Redis is not reachable on 127.0.0.1:6379 and redis-server is not installed")
        for directory in ("/var/lib/redis", "/var/log/redis"):
            Path(directory).mkdir(parents=True, exist_ok=True)
        subprocess.run(REDIS_ARGV, check=False, capture_output=True, timeout=30)
        deadline = time.monotonic() + 15
        while not port_open(REDIS_HOST, REDIS_PORT):
            if time.monotonic() > deadline:
                raise RuntimeError("Redis did not start on 127.0.0.1:6379 (see /var/log/redis/ci.log)")
            time.sleep(0.1)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@dataclass
class PostgresServer:
    admin_dsn: str = PG_ADMIN_DSN
    created: list[str] = field(default_factory=list)

    def url_for(self, name: str) -> str:
        base = self.admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        return f"{base}/{name}"

    async def create_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return self.url_for(name)

    async def terminate_sessions(self, url: str) -> int:
        """End every session on ``url``'s database, as a restart or an administrator would (the clients' pooled
        connections die); how many were ended."""
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            ended = await conn.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                url.rsplit("/", 1)[1],
            )
        finally:
            await conn.close()
        await asyncio.sleep(0.05)  # the clients see their sockets close
        return len(ended)

    async def drop_all(self) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self.created.clear()


class TansuBroker:
    """The Kafka-protocol broker (in memory) behind a TCP relay that can cut it off from every client.

    Tansu keeps nothing across a restart, so an outage is simulated the way services experience one: the
    broker's advertised address stops answering (connections dropped, new ones refused) while the broker and
    its log live on, as a real Kafka cluster's log survives its brokers being unreachable.
    """

    def __init__(self) -> None:
        self.port = free_port()  # what clients use (the relay)
        self._broker_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._relay = _TcpRelay(self.port, self._broker_port)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def launch(self) -> None:
        url = f"tcp://127.0.0.1:{self._broker_port}"
        argv = broker_argv(self._broker_port)
        argv[argv.index("--advertised-listener-url") + 1] = f"tcp://127.0.0.1:{self.port}"
        assert argv[argv.index("--listener-url") + 1] == url
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self._broker_port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Tansu did not start on port {self._broker_port}")
            time.sleep(0.02)
        self._relay.open()

    def stop(self) -> None:
        """Outage: the broker becomes unreachable; its log is kept."""
        self._relay.close()

    def start(self) -> None:
        """Recovery: the broker answers again on the same address."""
        self._relay.open()

    def shutdown(self) -> None:
        self._relay.close()
        self._relay.shutdown()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


class _TcpRelay:
    """Forwards 127.0.0.1:listen_port to 127.0.0.1:target_port on an event loop of its own thread."""

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port = listen_port
        self.target_port = target_port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="tcp-relay")
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coro) -> None:  # type: ignore[no-untyped-def]
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def open(self) -> None:
        self._call(self._open())

    def close(self) -> None:
        self._call(self._close())

    def shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _open(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.listen_port, reuse_address=True)

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            await server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            broker_reader, broker_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, broker_writer))
        await asyncio.gather(self._pipe(client_reader, broker_writer), self._pipe(broker_reader, client_writer))
        self._writers.difference_update((client_writer, broker_writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()


async def wait_for(predicate, within: float = 15.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll an async or sync predicate until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {within}s")
        await asyncio.sleep(interval)
