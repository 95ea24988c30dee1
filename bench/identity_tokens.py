"""Identity benchmark (issue 5): client-credentials grants and access-token verifications per second on one core,
next to Keycloak's sizing figure (about 120 client-credential grants per second per vCPU).

Everything runs in this one process pinned to one CPU: identity's real app (SQLite, in process through an ASGI
transport, so no network cost is counted) answers the grants; the gateway's real TokenVerifier checks the tokens
against identity's JWKS. Results go to ``bench/results/identity-tokens.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from identity.config import Settings
from identity.main import create_app
from portal_contracts.scopes import ALL_SCOPES
from portal_gateway.auth import JwksCache, TokenVerifier
from portal_runtime.context import ContextSigner, InternalContext, generate_signing_key
from portal_runtime.testing.apps import running

KEYCLOAK_CLIENT_CREDENTIAL_GRANTS_PER_VCPU = 120  # Keycloak's published sizing guidance (per vCPU per second)
ISSUER = "http://gateway.bench"
BN = "123456789"
RESULTS = Path(__file__).parent / "results" / "identity-tokens.json"


async def measure(grants: int, verifications: int, concurrency: int) -> dict[str, Any]:
    context_key = generate_signing_key("bench")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            environment="test",
            database_url=f"sqlite+aiosqlite:///{tmp}/identity.db",
            relay_enabled=False,
            consumers_enabled=False,
            issuer=ISSUER,
            context_public_key=json.dumps(context_key.as_dict(private=False)),
        )
        async with running(create_app(settings), base_url="http://identity.bench") as (_app, client):
            manager = ContextSigner(context_key).sign(
                InternalContext(subject="bench-bam", business=BN, scopes=sorted(ALL_SCOPES), mfa=True)
            )
            created = await client.post(
                f"/v1/businesses/{BN}/api-clients",
                headers={"x-portal-context": manager},
                json={"name": "bench", "scopes": ["financial:read", "declarations:write"]},
            )
            assert created.status_code == 201, created.text
            form = {
                "grant_type": "client_credentials",
                "client_id": created.json()["client_id"],
                "client_secret": created.json()["client_secret"],
            }

            async def grant() -> str:
                response = await client.post("/v1/oauth/token", data=form)
                assert response.status_code == 200, response.text
                return str(response.json()["access_token"])

            token = await grant()  # warm-up: first DB pages, hasher
            semaphore = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with semaphore:
                    await grant()

            started = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(grants)))
            grant_seconds = time.perf_counter() - started

            jwks = JwksCache("http://identity.bench/v1/oauth/jwks", client)
            # In full every time (signature, claims): the gateway's remembered-token cache off.
            verifier = TokenVerifier(jwks, issuer=ISSUER, audience="portal-api", cache_size=0)
            await verifier.verify(token)  # JWKS fetched once, then cached as in the gateway
            started = time.perf_counter()
            for _ in range(verifications):
                await verifier.verify(token)
            verify_seconds = time.perf_counter() - started
            # As the gateway does for a token it has verified before (until it expires or its key goes).
            remembering = TokenVerifier(jwks, issuer=ISSUER, audience="portal-api")
            await remembering.verify(token)
            started = time.perf_counter()
            for _ in range(verifications):
                await remembering.verify(token)
            remembered_seconds = time.perf_counter() - started

    grants_per_s = grants / grant_seconds
    return {
        "client_credentials_grants": {
            "count": grants,
            "concurrency": concurrency,
            "seconds": round(grant_seconds, 3),
            "per_second": round(grants_per_s, 1),
            "mean_ms": round(1000 * grant_seconds / grants, 2),
        },
        "access_token_verifications": {
            "count": verifications,
            "seconds": round(verify_seconds, 3),
            "per_second": round(verifications / verify_seconds, 1),
            "mean_us": round(1e6 * verify_seconds / verifications, 1),
        },
        "access_token_verifications_remembered": {
            "count": verifications,
            "seconds": round(remembered_seconds, 4),
            "per_second": round(verifications / remembered_seconds, 1),
            "mean_us": round(1e6 * remembered_seconds / verifications, 2),
        },
        "keycloak_client_credential_grants_per_vcpu": KEYCLOAK_CLIENT_CREDENTIAL_GRANTS_PER_VCPU,
        "ratio_grants_vs_keycloak_per_vcpu": round(grants_per_s / KEYCLOAK_CLIENT_CREDENTIAL_GRANTS_PER_VCPU, 2),
    }


def main() -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    grants = int(os.environ.get("BENCH_GRANTS", "400"))
    verifications = int(os.environ.get("BENCH_VERIFICATIONS", "5000"))
    result = asyncio.run(measure(grants, verifications, concurrency=8))
    result["machine"] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus_used": 1,
        "cpus_available": os.cpu_count(),
    }
    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
