"""The gateway's own tables: outage windows, planned maintenance, the store-and-forward queue, and the outbox."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from portal_runtime.db import new_metadata
from portal_runtime.messaging import ID_TYPE, messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata)

outage_windows = Table(
    "outage_windows",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("component", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # planned | unplanned
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("maintenance_id", String(36), nullable=True),
)
# At most one open window per component, whichever gateway replica notices first.
Index(
    "uq_outage_windows_open",
    outage_windows.c.component,
    unique=True,
    postgresql_where=outage_windows.c.ended_at.is_(None),
    sqlite_where=outage_windows.c.ended_at.is_(None),
)
Index("ix_outage_windows_started_at", outage_windows.c.started_at)
Index("ix_outage_windows_component_ended_at", outage_windows.c.component, outage_windows.c.ended_at)

maintenance_windows = Table(
    "maintenance_windows",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("component", String(64), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("message_en", Text, nullable=False),
    Column("message_fr", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
)
Index("ix_maintenance_windows_ends_at", maintenance_windows.c.ends_at)

submissions = Table(
    "submissions",
    metadata,
    # Acceptance order: delivery per service follows seq.
    Column("seq", ID_TYPE, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("service", String(64), nullable=False),
    Column("method", String(10), nullable=False),
    Column("target", Text, nullable=False),  # raw path and query, as the caller sent them
    Column("headers", Text, nullable=False),  # JSON list of [name, value] forwarded on delivery
    Column("body", LargeBinary, nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("context", Text, nullable=False),  # the InternalContext decided at acceptance (JSON)
    Column("subject", String(200), nullable=False),  # owner: user id or client:<id>
    Column("idempotency_key", String(255), nullable=False),
    Column("state", String(16), nullable=False),  # queued | delivering | delivered | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("response_status", Integer, nullable=True),
    Column("response_location", Text, nullable=True),
    Column("response_content_type", String(200), nullable=True),
    Column("response_body", LargeBinary, nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("service", "subject", "idempotency_key", name="uq_submissions_idempotency"),
)
Index("ix_submissions_service_state", submissions.c.service, submissions.c.state, submissions.c.seq)
