"""Store-and-forward: operations marked ``x-portal-store-and-forward`` are accepted into a durable queue while their
service is down, then delivered per service strictly in acceptance order once it is back.

Delivery is at least once: a submission is claimed (``delivering``, with a lease) before it is sent and settled
after, so a gateway that dies mid-delivery leaves a claim that expires and is delivered again. The caller's
``Idempotency-Key`` travels with it, so the service applies it once: exactly once in effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from portal_gateway.outages.db import submissions
from portal_gateway.outages.tracker import OutageTracker, aware
from portal_gateway.routes import RouteMatch
from portal_runtime import context as internal_context
from portal_runtime.clock import Clock
from portal_runtime.context import ContextSigner, InternalContext
from portal_runtime.problems import PortalError, Unprocessable
from portal_runtime.requestid import HEADER as REQUEST_ID_HEADER

log = logging.getLogger(__name__)

QUEUED, DELIVERING, DELIVERED, FAILED = "queued", "delivering", "delivered", "failed"
PENDING = (QUEUED, DELIVERING)
# What the service needs to handle the request as the caller sent it; credentials and hop headers stay out.
KEPT_HEADERS = ("content-type", "accept", "accept-language", "idempotency-key")
IDEMPOTENCY_HEADER = "idempotency-key"
# Transient answers: the service is not ready after all (or asks to slow down); retried with back-off.
RETRIED_STATUSES = frozenset({408, 425, 429})
MAX_STORED_RESPONSE = 1_000_000


class IdempotencyKeyRequired(PortalError):
    status, code, title = 400, "idempotency_key_required", "Idempotency-Key required"
    title_fr = "En-tête Idempotency-Key requis"


class IdempotencyKeyReused(Unprocessable):
    code, title, title_fr = "idempotency_key_reused", "Idempotency-Key reused", "Clé Idempotency-Key déjà utilisée"


class SubmissionQueue:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        signer: ContextSigner,
        services: Mapping[str, str],
        tracker: OutageTracker,
        *,
        clock: Clock,
        poll_interval_s: float = 1.0,
        max_backoff_s: float = 60.0,
        lease_s: float = 60.0,
        timeout_s: float = 15.0,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._signer = signer
        self._bases = {name: url.rstrip("/") for name, url in services.items()}
        self._tracker = tracker
        self._clock = clock
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._lease = timedelta(seconds=lease_s)
        self._timeout_s = timeout_s
        self._wakeup = asyncio.Event()
        self.delivered_total = 0

    def wake(self) -> None:
        self._wakeup.set()

    # ------------------------------------------------------------------ acceptance

    async def has_pending(self, service: str) -> bool:
        """Anything still queued for ``service``: a new submission then queues behind it, keeping the order."""
        async with self._sessions() as session:
            found = await session.execute(
                select(submissions.c.seq)
                .where(submissions.c.service == service, submissions.c.state.in_(PENDING))
                .limit(1)
            )
            return found.first() is not None

    async def accept(self, request: Request, match: RouteMatch, context: InternalContext) -> Any:
        """The stored submission (a replay of the same key and body returns the first one)."""
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key or len(key) > 255:
            raise IdempotencyKeyRequired(
                "While the service is down this operation is queued, which needs an `Idempotency-Key` header "
                "(1 to 255 characters) so that it is applied once.",
                fr="Pendant la panne du service, cette opération est mise en file d'attente, ce qui exige un en-tête "
                "`Idempotency-Key` (de 1 à 255 caractères) pour qu'elle soit appliquée une seule fois.",
                remediation="Send the request again with an Idempotency-Key header.",
                remediation_fr="Envoyez de nouveau la requête avec un en-tête Idempotency-Key.",
            )
        body = await request.body()
        digest = hashlib.sha256(body).hexdigest()
        service = match.operation.service
        existing = await self._by_key(service, context.subject, key)
        if existing is None:
            now = self._clock()
            row = {
                "id": str(uuid.uuid4()),
                "service": service,
                "method": request.method,
                "target": _target(request),
                "headers": json.dumps([[n, request.headers[n]] for n in KEPT_HEADERS if n in request.headers]),
                "body": body,
                "body_sha256": digest,
                "context": context.model_dump_json(),
                "subject": context.subject,
                "idempotency_key": key,
                "state": QUEUED,
                "next_attempt_at": now,
                "accepted_at": now,
            }
            try:
                async with self._sessions() as session, session.begin():
                    await session.execute(submissions.insert().values(**row))
            except IntegrityError:
                pass  # the same key raced in: the first one stands
            existing = await self._by_key(service, context.subject, key)
            assert existing is not None
            self.wake()
        if existing.body_sha256 != digest or existing.target != _target(request):
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used for a different request; use a new key for a new request.",
                fr="Cette clé Idempotency-Key a déjà servi pour une autre requête; utilisez une nouvelle clé pour une "
                "nouvelle requête.",
            )
        return existing

    async def _by_key(self, service: str, subject: str, key: str) -> Any:
        async with self._sessions() as session:
            found = await session.execute(
                select(submissions).where(
                    submissions.c.service == service,
                    submissions.c.subject == subject,
                    submissions.c.idempotency_key == key,
                )
            )
            return found.first()

    async def get(self, submission_id: str) -> Any:
        async with self._sessions() as session:
            found = await session.execute(select(submissions).where(submissions.c.id == submission_id))
            return found.first()

    # ------------------------------------------------------------------ delivery

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_ready()
            except Exception:
                log.exception("store-and-forward delivery round failed; retrying")
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that races the wake-up.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval_s):
                    await self._wakeup.wait()
            self._wakeup.clear()

    async def deliver_ready(self) -> int:
        """Deliver, per reachable service and in acceptance order, until each queue is empty or blocked."""
        async with self._sessions() as session:
            services = (
                (
                    await session.execute(
                        select(submissions.c.service).where(submissions.c.state.in_(PENDING)).distinct()
                    )
                )
                .scalars()
                .all()
            )
        counts = await asyncio.gather(*(self._drain(s) for s in services if self._tracker.reachable(s)))
        return sum(counts)

    async def _drain(self, service: str) -> int:
        delivered = 0
        while self._tracker.reachable(service):
            outcome = await self.deliver_next(service)
            if outcome is None:
                break
            delivered += outcome
        return delivered

    async def deliver_next(self, service: str) -> int | None:
        """Send the head of ``service``'s queue: 1 when settled, 0 when it will be retried, None when there is
        nothing to send now (empty, backing off, or claimed by another gateway)."""
        row = await self._claim(service)
        if row is None:
            return None
        try:
            response = await self._send(row)
        except httpx.HTTPError as exc:
            await self._retry(row, f"{type(exc).__name__}: {exc}")
            if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
                await self._tracker.report_unreachable(service)
            return 0
        if response.status_code >= 500 or response.status_code in RETRIED_STATUSES:
            await self._retry(row, f"the service answered {response.status_code}")
            return 0
        await self._settle(row, response)
        return 1

    async def _claim(self, service: str) -> Any:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            head = (
                await session.execute(
                    select(submissions)
                    .where(submissions.c.service == service, submissions.c.state.in_(PENDING))
                    .order_by(submissions.c.seq)
                    .limit(1)
                )
            ).first()
            if head is None:
                return None
            if head.state == QUEUED and aware(head.next_attempt_at) > now:
                return None  # backing off; the ones behind it wait too (order)
            if head.state == DELIVERING and head.lease_until is not None and aware(head.lease_until) > now:
                return None  # another gateway is delivering it
            claimed = await session.execute(
                update(submissions)
                # attempts is the claim's version: of two gateways claiming the same head, one wins.
                .where(
                    submissions.c.seq == head.seq,
                    submissions.c.state == head.state,
                    submissions.c.attempts == head.attempts,
                )
                .values(state=DELIVERING, lease_until=now + self._lease, attempts=submissions.c.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
        return await self.get(head.id)

    async def _send(self, row: Any) -> httpx.Response:
        request_id = f"saf-{row.id}-{row.attempts}"
        context = InternalContext.model_validate_json(row.context).model_copy(update={"request_id": request_id})
        headers = [(name, value) for name, value in json.loads(row.headers)]
        headers.append((REQUEST_ID_HEADER, request_id))
        headers.append((internal_context.HEADER, self._signer.sign(context)))
        headers.append(("accept-encoding", "identity"))
        url = self._bases[row.service] + row.target
        return await self._http.request(row.method, url, headers=headers, content=row.body, timeout=self._timeout_s)

    async def _retry(self, row: Any, error: str) -> None:
        backoff = min(self._max_backoff_s, 0.25 * 2 ** max(row.attempts - 1, 0))
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(submissions)
                .where(submissions.c.seq == row.seq, submissions.c.state == DELIVERING)
                .values(
                    state=QUEUED,
                    lease_until=None,
                    next_attempt_at=self._clock() + timedelta(seconds=backoff),
                    last_error=error[:1000],
                )
            )
        log.warning("submission %s to %s will be retried in %.1fs: %s", row.id, row.service, backoff, error)

    async def _settle(self, row: Any, response: httpx.Response) -> None:
        state = DELIVERED if response.status_code < 400 else FAILED
        body = response.content[:MAX_STORED_RESPONSE]
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(submissions)
                .where(submissions.c.seq == row.seq, submissions.c.state == DELIVERING)
                .values(
                    state=state,
                    lease_until=None,
                    finished_at=self._clock(),
                    response_status=response.status_code,
                    response_location=response.headers.get("location"),
                    response_content_type=response.headers.get("content-type"),
                    response_body=body,
                    last_error=None if state == DELIVERED else f"the service answered {response.status_code}",
                )
            )
        if state == DELIVERED:
            self.delivered_total += 1


def _target(request: Request) -> str:
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query: bytes = request.scope.get("query_string", b"")
    return (raw_path + (b"?" + query if query else b"")).decode("latin-1")


def submission_view(row: Any) -> dict[str, Any]:
    """The tracking resource (``GET /v1/submissions/{id}``)."""
    response = None
    if row.response_status is not None:
        response = {
            "status": row.response_status,
            "location": row.response_location,
            "content_type": row.response_content_type,
            "body": _decoded(row.response_body, row.response_content_type),
        }
    return {
        "id": row.id,
        "state": row.state,
        "service": row.service,
        "method": row.method,
        "path": row.target,
        "accepted_at": _iso(row.accepted_at),
        "attempts": row.attempts,
        "finished_at": _iso(row.finished_at),
        "response": response,
        "last_error": row.last_error,
    }


def _iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat().replace("+00:00", "Z") if moment is not None else None


def _decoded(body: bytes | None, content_type: str | None) -> Any:
    if not body:
        return None
    if content_type and "json" in content_type:
        try:
            return json.loads(body)
        except ValueError:
            pass
    return body.decode("utf-8", errors="replace")
