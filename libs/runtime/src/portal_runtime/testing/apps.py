"""Running an ASGI app in process with its lifespan, for API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient


@asynccontextmanager
async def running(app: FastAPI, base_url: str = "http://test") -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    async with app.router.lifespan_context(app):
        async with AsyncClient(transport=ASGITransport(app=app), base_url=base_url) as client:
            yield app, client
