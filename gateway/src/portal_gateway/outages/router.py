"""The gateway's own routes for outages: the public status page and windows, the tracking of queued submissions,
and the operators' maintenance API (``/internal/...``, internal key)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from portal_gateway.outages.queue import submission_view
from portal_gateway.outages.schemas import (
    MaintenanceCreate,
    MaintenanceList,
    MaintenanceOperatorRead,
    MaintenanceUpdate,
    OutageWindowPage,
    StatusRead,
    SubmissionRead,
)
from portal_gateway.outages.service import (
    cancel_maintenance,
    current_status,
    declare_maintenance,
    get_maintenance,
    list_maintenance,
    list_windows,
    operator_read,
    update_maintenance,
)
from portal_runtime.access import Acting, access
from portal_runtime.language import Language, preferred_language
from portal_runtime.paging import Paging
from portal_runtime.problems import NotFound, Unauthorized, problems

if TYPE_CHECKING:
    from portal_gateway.outages.feature import OutageFeature

STATUS_TAG = "status"


def _feature(request: Request) -> OutageFeature:
    return request.app.state.outages  # type: ignore[no-any-return]


Feature = Annotated[Any, Depends(_feature)]  # an OutageFeature


def _language(accept_language: Annotated[str | None, Header()] = None) -> Language:
    return preferred_language(accept_language)


ChosenLanguage = Annotated[Language, Depends(_language)]


def _cacheable(response: Response, language: Language, max_age: int) -> None:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Vary"] = "Accept-Language"
    response.headers["Content-Language"] = language


class SubmissionNotFound(NotFound):
    code, title, title_fr = "submission_not_found", "Submission not found", "Soumission introuvable"


def public_router() -> APIRouter:
    router = APIRouter(tags=[STATUS_TAG])

    @router.get(
        "/v1/status",
        summary="System status: components, current outages, planned maintenance, recent outages (EN/FR)",
        operation_id="get_status",
        response_model=StatusRead,
        openapi_extra=access(Acting.PUBLIC),
        responses=problems(500),
    )
    async def status(feature: Feature, language: ChosenLanguage, response: Response) -> StatusRead:
        _cacheable(response, language, feature.settings.status_max_age_s)
        async with feature.sessions() as session:
            return await current_status(session, feature.tracker, feature.clock(), language)

    @router.get(
        "/v1/status/outages",
        summary="Recorded outage windows overlapping a period, each with its penalty waiver end (window + 2 h)",
        operation_id="list_outage_windows",
        response_model=OutageWindowPage,
        openapi_extra=access(Acting.PUBLIC),
        responses=problems(422, 500),
    )
    async def outages(
        feature: Feature,
        language: ChosenLanguage,
        page: Paging,
        response: Response,
        start: Annotated[
            AwareDatetime | None, Query(alias="from", description="Windows still open or ended at or after this.")
        ] = None,
        end: Annotated[
            AwareDatetime | None, Query(alias="to", description="Windows started at or before this.")
        ] = None,
        component: Annotated[str | None, Query(max_length=64)] = None,
    ) -> OutageWindowPage:
        _cacheable(response, language, feature.settings.status_max_age_s)
        async with feature.sessions() as session:
            return await list_windows(session, page, language, start, end, component)

    @router.get(
        "/v1/submissions/{submission_id}",
        summary="A request accepted while its service was down: queued, delivering, delivered or failed",
        operation_id="get_submission",
        response_model=SubmissionRead,
        openapi_extra=access(Acting.SELF),
        responses=problems(401, 404, 500, 503),
    )
    async def submission(submission_id: str, feature: Feature, request: Request) -> SubmissionRead:
        subject = await feature.caller(request.headers.get("authorization"))
        row = await feature.queue.get(submission_id)
        if row is None or row.subject != subject:  # someone else's is as absent as a missing one
            raise SubmissionNotFound(
                f"There is no submission {submission_id} of yours.",
                fr=f"Vous n'avez aucune soumission {submission_id}.",
            )
        return SubmissionRead.model_validate(submission_view(row))

    return router


def _internal_key(request: Request, x_internal_key: Annotated[str | None, Header()] = None) -> None:
    key: str = _feature(request).settings.internal_api_key
    if key and not hmac.compare_digest((x_internal_key or "").encode(), key.encode()):
        raise Unauthorized(
            "Internal APIs answer operators and services of the stack only.",
            fr="Les API internes ne répondent qu'aux opérateurs et aux services de la plateforme.",
            code="internal_key_required",
        )


def operator_router() -> APIRouter:
    """Planned maintenance, declared by operators; never in the public API (``/internal/``)."""
    router = APIRouter(
        prefix="/internal/maintenance-windows",
        tags=["maintenance"],
        dependencies=[Depends(_internal_key)],
        responses=problems(401),
    )
    extra = access(Acting.INTERNAL)

    @router.post(
        "",
        status_code=201,
        response_model=MaintenanceOperatorRead,
        openapi_extra=extra,
        summary="Declare planned maintenance of a component (EN/FR bulletin)",
        responses=problems(422),
    )
    async def declare(command: MaintenanceCreate, feature: Feature) -> MaintenanceOperatorRead:
        async with feature.sessions() as session, session.begin():
            row = await declare_maintenance(session, feature.tracker.components, command, feature.clock())
        await feature.tracker.reconsider(row.component)
        return operator_read(row)

    @router.get("", response_model=MaintenanceList, openapi_extra=extra, summary="Maintenance windows")
    async def listing(feature: Feature, include_past: bool = False) -> MaintenanceList:
        async with feature.sessions() as session:
            rows = await list_maintenance(session, feature.clock(), include_past)
        return MaintenanceList(items=[operator_read(r) for r in rows])

    @router.get(
        "/{maintenance_id}", response_model=MaintenanceOperatorRead, openapi_extra=extra, responses=problems(404)
    )
    async def one(maintenance_id: str, feature: Feature) -> MaintenanceOperatorRead:
        async with feature.sessions() as session:
            return operator_read(await get_maintenance(session, maintenance_id))

    @router.patch(
        "/{maintenance_id}",
        response_model=MaintenanceOperatorRead,
        openapi_extra=extra,
        summary="Move or reword planned maintenance (ending it now ends it early)",
        responses=problems(404, 409, 422),
    )
    async def change(maintenance_id: str, command: MaintenanceUpdate, feature: Feature) -> MaintenanceOperatorRead:
        async with feature.sessions() as session, session.begin():
            row = await update_maintenance(session, maintenance_id, command, feature.clock())
        await feature.tracker.reconsider(row.component)
        return operator_read(row)

    @router.delete(
        "/{maintenance_id}",
        status_code=204,
        openapi_extra=extra,
        summary="Cancel planned maintenance",
        responses=problems(404),
    )
    async def cancel(maintenance_id: str, feature: Feature) -> Response:
        async with feature.sessions() as session, session.begin():
            row = await cancel_maintenance(session, maintenance_id, feature.clock())
        await feature.tracker.reconsider(row.component)
        return Response(status_code=204)

    return router


def accepted_response(row: object) -> JSONResponse:
    """202 for a queued submission, pointing at its tracking resource."""
    view = submission_view(row)
    return JSONResponse(view, status_code=202, headers={"Location": f"/v1/submissions/{view['id']}"})
