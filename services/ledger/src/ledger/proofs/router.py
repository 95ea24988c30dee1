from typing import Annotated

from fastapi import APIRouter, Path

from ledger.proofs import service
from ledger.proofs.repository import SqlFactsReader
from portal_contracts.internal import ProofCheckRequest, ProofCheckResponse, ProofExamples
from portal_runtime.access import Acting, access
from portal_runtime.clock import Today
from portal_runtime.service import Runtime

# Service-to-service API for business-registry; never routed by the gateway, so not in the public document.
router = APIRouter(tags=["internal"])


@router.post(
    "/internal/proof-checks",
    summary="Check proof-of-knowledge answers against a program account's ledger",
    operation_id="check_proofs",
    openapi_extra=access(Acting.INTERNAL),
)
async def check_proofs(request: ProofCheckRequest, runtime: Runtime, today: Today) -> ProofCheckResponse:
    async with runtime.sessions() as session:
        return await service.check_proofs(request, SqlFactsReader(session), today)


@router.get(
    "/internal/proof-examples/{bn15}",
    summary="One true answer per proof kind, newest first within the window (sandbox listing)",
    operation_id="get_proof_examples",
    openapi_extra=access(Acting.INTERNAL),
)
async def get_proof_examples(
    bn15: Annotated[str, Path(pattern=r"^[0-9]{9}RM[0-9]{4}$")], runtime: Runtime, today: Today
) -> ProofExamples:
    async with runtime.reads() as session:
        return await service.proof_examples(bn15, SqlFactsReader(session), today)
