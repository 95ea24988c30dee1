"""Alembic, shared by every service: one ``env.py`` body and a small CLI.

Each service keeps its own migrations in ``<package>/migrations`` (``env.py`` calls :func:`run_env`).
``portal-migrate upgrade identity`` applies them; ``portal-migrate revision identity -m "..."`` autogenerates.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import Callable
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from portal_runtime.db import create_engine, is_sqlite


def alembic_config(package: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d-%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def create_messaging_tables_v1() -> None:
    """The outbox and inbox tables as every service's initial revision creates them. Frozen: a later change to
    these tables is a new revision of the service, never an edit here."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("partition_key", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    unpublished = sa.text("published_at IS NULL")
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["id"], unique=False, postgresql_where=unpublished, sqlite_where=unpublished
    )


def drop_messaging_tables_v1() -> None:
    from alembic import op

    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("inbox")


def _run_sync(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync, metadata)
            await connection.commit()
    finally:
        await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    config = context.config
    url: str = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or ""
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection, metadata)
        return
    asyncio.run(_run_async(url, metadata))


async def upgrade(package: str, database_url: str) -> None:
    """Upgrade to head from async code (the service's startup, test fixtures)."""
    await _migrate(package, database_url, lambda config: command.upgrade(config, "head"))


async def downgrade(package: str, database_url: str, revision: str = "base") -> None:
    """Downgrade to ``revision`` from async code (tests proving the migrations can be undone)."""
    await _migrate(package, database_url, lambda config: command.downgrade(config, revision))


async def _migrate(package: str, database_url: str, action: Callable[[Config], None]) -> None:
    engine = create_engine(database_url)
    config = alembic_config(package, database_url)

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        action(config)

    try:
        async with engine.begin() as connection:
            if is_sqlite(database_url):
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            else:
                # Replicas starting together: one migrates, the others wait and then find nothing to do.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"migrate:{package}"}
                )
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


SERVICES = {
    "identity": ("identity", "identity.config"),
    "business-registry": ("business_registry", "business_registry.config"),
    "delegation": ("delegation", "delegation.config"),
    "ledger": ("ledger", "ledger.config"),
    "rulings": ("rulings", "rulings.config"),
    "notifications": ("notifications", "notifications.config"),
    "gateway": ("portal_gateway", "portal_gateway.config"),  # outage windows and the store-and-forward queue
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="portal-migrate", description=__doc__)
    parser.add_argument("action", choices=["upgrade", "revision", "current", "history"])
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("-m", "--message", default="change")
    parser.add_argument("--url", help="database URL (default: the service's settings)")
    args = parser.parse_args(argv)
    package, config_module = SERVICES[args.service]
    settings: Any = importlib.import_module(config_module).Settings()
    url = args.url or settings.database_url
    config = alembic_config(package, url)
    if args.action == "upgrade":
        command.upgrade(config, "head")
    elif args.action == "revision":
        command.revision(config, message=args.message, autogenerate=True)
    elif args.action == "current":
        command.current(config, verbose=True)
    else:
        command.history(config)


if __name__ == "__main__":
    main()
