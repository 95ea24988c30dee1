"""Async SQLAlchemy engines for the two supported databases: SQLite (embedded default) and PostgreSQL.

A pooled PostgreSQL connection is not pinged at every checkout (``pool_pre_ping``): that ping is a round trip
(three with asyncpg: BEGIN, a query, ROLLBACK) on every request, about a sixth of the CPU of a simple read.
Instead:

- a connection idle for more than ``IDLE_PING_AFTER_S`` is pinged at its checkout (a dead one is replaced before
  use), so a restart while the service is quiet costs its callers nothing, and a busy service pays no ping at all;
- a connection the server dropped while it was in use, or that was dropped since it was last used (a restart
  under load, a terminated backend), fails its statement: the pool then replaces every connection older than the
  failure at their next checkout, and the caller gets a 503 ``database_unavailable`` with ``Retry-After``
  (:class:`DatabaseUnavailable`) instead of a 500; so does a request that finds the server refusing connections
  while it restarts. The trade-off: under load, the requests in flight on the dropped connections fail (503, to
  retry) where the pre-ping would have reconnected first. A write whose connection drops at COMMIT has an unknown
  outcome, as it had with the 500 before; If-Match and idempotency keys, where a route takes them, make its
  retry safe;
- connections are recycled after ``RECYCLE_AFTER_S``, so none lives forever (server-side caches, a failover's
  new address).

The pool keeps every connection it opened (up to ``POOL_SIZE``; no overflow): overflow connections are opened for
a burst and closed after it, and under 64 concurrent reads that churn (TLS negotiation, authentication, the
driver's first queries on each new connection) cost delegation ~20% of its CPU and three quarters of its
throughput. A request beyond ``POOL_SIZE`` concurrent sessions waits for a connection instead, at most
``POOL_TIMEOUT_S``, then gets a 503 ``database_busy`` with ``Retry-After`` (portal_runtime.problems; the previous
ceiling was 30: 10 kept and 20 overflow).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import MetaData, Select, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine, ExceptionContext, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty, Full

from portal_runtime.problems import ServiceUnavailable

POOL_SIZE = 20
POOL_TIMEOUT_S = 10.0
IDLE_PING_AFTER_S = 10.0
RECYCLE_AFTER_S = 1800
# SQLSTATEs of a server going away: connection exceptions (class 08), and admin shutdown, crash shutdown,
# "cannot connect now" (starting up or shutting down).
_SERVER_GONE_STATES = ("08", "57P01", "57P02", "57P03")
_IDLE_SINCE = "portal_idle_since"


class DatabaseUnavailable(ServiceUnavailable):
    """The database refused the connection or dropped it: a 503 to retry (the pool reconnects meanwhile)."""

    code, title, title_fr = "database_unavailable", "Database unavailable", "Base de données indisponible"

    def __init__(self) -> None:
        super().__init__(
            "The database is unreachable or restarting; retry shortly.",
            fr="La base de données est injoignable ou redémarre; réessayez sous peu.",
            headers={"Retry-After": "1"},
        )


# Explicit constraint names, so migrations are stable and readable on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    echo: bool = False,
    ping_idle_after_s: float = IDLE_PING_AFTER_S,
    pool_size: int = POOL_SIZE,
    pool_timeout_s: float = POOL_TIMEOUT_S,
) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=0, pool_timeout=pool_timeout_s, pool_recycle=RECYCLE_AFTER_S)
        kwargs["poolclass"] = FairQueuePool
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine.sync_engine, "do_connect", _connect_or_unavailable)
        event.listen(engine.sync_engine, "handle_error", _server_gone_as_unavailable)
        _ping_when_idle(engine, ping_idle_after_s)
        if engine.dialect.driver == "asyncpg":
            _attach_driver_pool(engine, pool_size, pool_timeout_s)
    return engine


class _FairQueue(AsyncAdaptedQueue[Any]):
    """The pool's idle connections, handed out first come, first served.

    SQLAlchemy's asyncio queue lets a caller that arrives just as a connection is given back take it ahead of the
    callers already waiting (``asyncio.Queue`` wakes the first waiter, the newcomer takes the connection before it
    runs, and the waiter queues again at the back). Under a load beyond the pool's size some requests then wait
    many turns: with 64 concurrent reads on a pool of 20, delegation's p99 was 160-460 ms against a p90 of ~70 ms
    (49-84 ms once the waiters were served in order, p50 unchanged at ~40 ms). Here a connection given back goes
    straight to the longest-waiting caller, and nobody takes an idle connection while someone waits.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._idle: deque[Any] = deque()
        self._waiters: deque[asyncio.Future[Any]] = deque()

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    def put_nowait(self, item: Any) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._idle.append(item)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never blocks to give a connection back

    def get_nowait(self) -> Any:
        if not self._idle:
            raise Empty()
        return self._idle.pop() if self.use_lifo else self._idle.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if self._idle or not block:
            return self.get_nowait()
        return await_only(self._wait(timeout))

    async def _wait(self, within_s: float | None) -> Any:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(within_s):
                return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed a connection just as it gave up: pass it on
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise Empty() from exc
            raise


class FairQueuePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool with :class:`_FairQueue`: waiting callers are served in their order of arrival."""

    _queue_class = _FairQueue


def _connect_or_unavailable(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
    """A refused or timed-out connection (the server is down or restarting) is :class:`DatabaseUnavailable`."""
    try:
        return dialect.connect(*cargs, **cparams)
    except OSError as exc:
        raise DatabaseUnavailable() from exc


def _server_gone_as_unavailable(context: ExceptionContext) -> Exception | None:
    """A dropped connection or a server shutting down becomes :class:`DatabaseUnavailable`; SQLAlchemy still
    invalidates the connection (and the pool's older ones) as for any disconnect.

    A statement interrupted by a cancellation (a task cancelled, a timeout) counts as a disconnect for SQLAlchemy,
    which then discards the connection, but stays a cancellation: replacing it would swallow the cancel."""
    original = context.original_exception
    if not isinstance(original, Exception):
        return None
    state = getattr(original, "sqlstate", None) or ""
    if context.is_disconnect or state.startswith(_SERVER_GONE_STATES):
        return DatabaseUnavailable()
    return None


def _ping_when_idle(engine: AsyncEngine, idle_s: float) -> None:
    """Ping a connection at checkout only when it sat in the pool for more than ``idle_s``. A dead one means the
    server restarted: every older pooled connection is replaced at its next checkout, this one at once
    (SQLAlchemy retries the checkout on :class:`InvalidatePoolError`)."""
    dialect = engine.sync_engine.dialect

    def idle_since(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise InvalidatePoolError("an idle pooled connection no longer answers") from exc

    event.listen(engine.sync_engine.pool, "checkin", idle_since)
    event.listen(engine.sync_engine.pool, "checkout", ping_if_idle)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class ReadOnlySession(Session):
    """A session that refuses to write: no flush of changed objects, no ORM INSERT, UPDATE or DELETE."""


class ReadOnlySessionError(RuntimeError):
    """A write through a session of :func:`create_read_session_factory` (a bug: writes use a unit of work)."""


def _refuse_flush(_session: Session, _flush_context: Any, _instances: Any) -> None:
    raise ReadOnlySessionError("A read session does not write; use a unit of work.")


def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError("A read session does not write; use a unit of work.")


event.listen(ReadOnlySession, "before_flush", _refuse_flush)
event.listen(ReadOnlySession, "do_orm_execute", _refuse_dml)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for pure reads, without BEGIN and COMMIT/ROLLBACK: two round trips less per request on PostgreSQL.

    On PostgreSQL the connection runs in autocommit (the engine's pool is shared; the isolation level is set and
    reset on the connection at checkout and checkin, without a round trip). At the default READ COMMITTED level a
    transaction gives each statement its own snapshot anyway, so a read of several statements sees exactly what it
    saw in a transaction. What does need the transaction keeps the transactional sessions: a read that must see one
    snapshot across statements (REPEATABLE READ), takes locks (FOR UPDATE), or writes. A write here would commit
    at once instead of being rolled back at close, so the session refuses any (:class:`ReadOnlySession`).
    SQLite's driver already opens no transaction for a SELECT, so its engine is used as it is.
    """
    bind = engine if engine.dialect.name == "sqlite" else engine.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(bind, expire_on_commit=False, sync_session_class=ReadOnlySession)


async def upsert(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Insert ``rows``, replacing the non-key columns of rows whose ``key`` already exists.

    Within ``rows`` the last row of a key wins: PostgreSQL refuses to update one row twice in a statement.
    """
    unique = list({tuple(row[k] for k in key): row for row in rows}.values())
    if not unique:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    replaced = {column.name: statement.excluded[column.name] for column in table.columns if column.name not in key}
    await session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=replaced), unique)


class DriverQuery:
    """A SELECT for a hot read, run on the database driver's own connection: none of SQLAlchemy's ORM, session,
    statement compilation or result machinery per call.

    Measured on delegation's employee read (PostgreSQL, one grant row, CPU a query including the pool checkout):
    through an ORM session 680 us, a Core statement on an engine connection 400 us, on a connection of the engine's
    pool 130 us; on a read that costs the service ~1.2 ms in all, the ORM was half of it. Use it where a read is hot
    and its rows are plain values; everything else keeps sessions (identity map, relationships, unit of work).

    On PostgreSQL the statement is compiled once, for asyncpg (``$n`` parameters), and run with asyncpg's ``fetch``
    (which prepares it once per connection) on a connection of the engine's :class:`DriverPool`. It runs outside
    any transaction (autocommit, one round trip), as :func:`create_read_session_factory`'s sessions do. A statement
    whose parameters or columns need a conversion by SQLAlchemy on that dialect (a bind or result processor: enums,
    JSON, ...) is refused when first compiled, as is one with an expanding ``IN`` (name each value:
    ``in_([bindparam("a"), bindparam("b")])``). On SQLite (the embedded default) and any other driver the statement
    runs through SQLAlchemy Core as usual.

    Rows are mappings keyed by the statement's column labels (``row["bn15"]``).
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, SQLCompiler]] = {}

    async def rows(self, engine: AsyncEngine, **params: Any) -> Sequence[Mapping[str, Any]]:
        if engine.dialect.driver != "asyncpg":
            async with engine.connect() as connection:
                return (await connection.execute(self.statement, params)).mappings().all()
        sql, compiled = self._compiled.get(engine.dialect.name) or self._compile(engine.dialect)
        values = compiled.construct_params(params)  # with the statement's own literal values
        return await driver_pool(engine).fetch(sql, [values[name] for name in compiled.positiontup or ()])

    def _compile(self, dialect: Dialect) -> tuple[str, SQLCompiler]:
        compiled = cast(SQLCompiler, self.statement.compile(dialect=dialect))
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError("DriverQuery: name each IN value (no expanding or literal-execute parameters)")
        for name, bind in compiled.binds.items():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"DriverQuery: parameter {name!r} ({bind.type}) needs SQLAlchemy's conversion")
        for column in self.statement.selected_columns:
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise TypeError(f"DriverQuery: column {column.key!r} ({column.type}) needs SQLAlchemy's conversion")
        self._compiled[dialect.name] = (compiled.string, compiled)
        return self._compiled[dialect.name]


class DriverPool:
    """asyncpg's own pool, next to the engine's, for :class:`DriverQuery`: a connection checked out and given back
    without SQLAlchemy's pool, which runs in a greenlet of its own each way.

    Measured on delegation's employee read under 64 connections (CPU of the service a read, three alternating
    runs each, medians): 318 us through the engine's pool, 277 us with this pool; with asyncpg's reset at release
    276 us, and PostgreSQL's share up by ~20 us a read. Two greenlets a read (checkout, then return) each
    allocated and freed a 16 KiB frame stack (``mmap``/``munmap`` and two page faults a read) besides the
    switches; asyncpg's pool is plain coroutines. asyncpg's own reset at release (``RESET ALL``, ``UNLISTEN *``,
    ... : a round trip a read) is not run: nothing here changes session state, and a connection released
    mid-transaction is still rolled back.

    The engine's rules hold here too:

    - the same size, opened on demand (``min_size`` 0): a replica holds at most twice the engine's pool size in
      connections, the driver's share only while hot reads run concurrently;
    - callers wait their turn first come, first served (a FIFO ``asyncio.Semaphore`` of the pool's size in front:
      asyncpg's queue of connections lets a newcomer take a connection given back ahead of a waiter), at most the
      pool timeout, then a 503 ``database_busy`` (SQLAlchemy's ``TimeoutError``, as the engine raises it);
    - a refused connection and a connection the server dropped during a statement are a 503
      ``database_unavailable`` (:class:`DatabaseUnavailable`), and every connection opened before the failure is
      replaced at its next use (``expire_connections``); one the server closed while idle (a restart while quiet)
      is noticed by the driver and reopened before use;
    - a cancelled statement terminates its connection (the server may still be running it);
    - a connection is replaced after 50,000 queries (asyncpg's ``max_queries``) and closed after 300 s idle, so
      none lives forever;
    - it closes with the engine (``engine.dispose()``).
    """

    def __init__(self, connect_kwargs: dict[str, Any], size: int, timeout_s: float) -> None:
        self._connect_kwargs = connect_kwargs
        self._size = size
        self._timeout_s = timeout_s
        self._turns = asyncio.Semaphore(size)
        self._pool: asyncpg.Pool | None = None
        self._opening: asyncio.Task[asyncpg.Pool] | None = None

    async def fetch(self, sql: str, arguments: Sequence[Any]) -> list[asyncpg.Record]:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._turns.acquire()
        except TimeoutError as exc:
            raise PoolTimeout(f"no database connection became free within {self._timeout_s}s") from exc
        try:
            pool = self._pool or await self._open()
            try:
                connection = await pool.acquire()
            except (OSError, TimeoutError, asyncpg.CannotConnectNowError) as exc:
                raise DatabaseUnavailable() from exc
            try:
                return await connection.fetch(sql, *arguments)  # type: ignore[no-any-return]
            except asyncio.CancelledError:
                _discard(connection)
                raise
            except Exception as exc:
                if _driver_connection_gone(connection, exc):
                    _discard(connection)
                    await pool.expire_connections()
                    raise DatabaseUnavailable() from exc
                raise
            finally:
                # A terminated connection is discarded and its slot reopened on demand; one the server closed was
                # given back by the driver already (then this does nothing).
                await pool.release(connection)
        finally:
            self._turns.release()

    def opened(self) -> int:
        """How many connections the pool holds now."""
        return self._pool.get_size() if self._pool is not None else 0

    def in_use(self) -> int:
        """How many of them a read holds now."""
        return self._pool.get_size() - self._pool.get_idle_size() if self._pool is not None else 0

    async def _open(self) -> asyncpg.Pool:
        """The pool, created by the first caller; the callers arriving meanwhile wait for the same one."""
        opening = self._opening
        if opening is None or (opening.done() and (opening.cancelled() or opening.exception() is not None)):
            opening = self._opening = asyncio.ensure_future(
                asyncpg.create_pool(
                    min_size=0,
                    max_size=self._size,
                    reset=_session_unchanged,
                    timeout=self._timeout_s,  # to connect
                    **self._connect_kwargs,
                )
            )
        self._pool = await asyncio.shield(opening)
        return self._pool

    async def close(self) -> None:
        pool, self._pool, self._opening = self._pool, None, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), self._timeout_s)
            except TimeoutError:
                pool.terminate()


def _discard(connection: Any) -> None:
    with contextlib.suppress(asyncpg.InterfaceError):  # the driver gave it back already: the server closed it
        connection.terminate()


def _driver_connection_gone(connection: Any, exc: Exception) -> bool:
    try:
        return _server_gone(connection, exc)
    except asyncpg.InterfaceError:  # given back by the driver on its close: gone
        return True


async def _session_unchanged(_connection: asyncpg.Connection) -> None:
    """The reset at release: nothing (see :class:`DriverPool`)."""


_DRIVER_POOLS: weakref.WeakKeyDictionary[Engine, DriverPool] = weakref.WeakKeyDictionary()


def driver_pool(engine: AsyncEngine) -> DriverPool:
    """The engine's :class:`DriverPool` (PostgreSQL engines of :func:`create_engine` only)."""
    try:
        return _DRIVER_POOLS[engine.sync_engine]
    except KeyError:
        raise LookupError("DriverQuery on PostgreSQL needs an engine from portal_runtime.db.create_engine") from None


def _attach_driver_pool(engine: AsyncEngine, pool_size: int, pool_timeout_s: float) -> None:
    _args, connect_kwargs = engine.dialect.create_connect_args(engine.url)
    pool = _DRIVER_POOLS[engine.sync_engine] = DriverPool(dict(connect_kwargs), pool_size, pool_timeout_s)

    def close_with_engine(_engine: Engine) -> None:
        await_only(pool.close())  # AsyncEngine.dispose runs the sync dispose, and so this, in a greenlet

    event.listen(engine.sync_engine, "engine_disposed", close_with_engine)


def _server_gone(driver_connection: Any, exc: Exception) -> bool:
    """Whether a driver error means the connection or the server is gone: the connection closed, a socket error,
    a connection-exception or shutdown SQLSTATE."""
    state = getattr(exc, "sqlstate", None) or ""
    return isinstance(exc, OSError) or state.startswith(_SERVER_GONE_STATES) or driver_connection.is_closed()
