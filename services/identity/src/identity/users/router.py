from typing import Annotated

from fastapi import APIRouter, Header, Response

from identity.language import preferred_language
from identity.transaction import use_case
from identity.users import rules
from identity.users.dependencies import CurrentRegistration
from identity.users.schemas import RecoveryQuestionList, RecoveryQuestionRead, UserCreate, UserRead
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["users"])


@router.post(
    "/v1/users",
    status_code=201,
    summary="Create a credential (username, password, recovery answers)",
    description=(
        "Every rule the request breaks is listed in the 422 problem's `errors`, each with the field and a `code` "
        "naming the rule (`username_length`, `username_digits`, `username_characters`, `password_length`, "
        "`password_uppercase`, `password_lowercase`, `password_digit`, `password_characters`, "
        "`password_shares_username`, `password_contains_username`, `password_common`, `password_mismatch`, "
        "`question_unknown`, `answer_length`, `answer_characters`, `memorable_person_length`, "
        "`memorable_person_characters`, `memorable_date_format`, `memorable_date_not_past`, "
        "`<hint>_length`, `<hint>_characters`)."
    ),
    operation_id="create_user",
    responses=problems(409),
    openapi_extra=access(Acting.PUBLIC),
)
async def create_user(body: UserCreate, runtime: Runtime, registration: CurrentRegistration) -> UserRead:
    async with use_case(runtime) as uow:
        user = await registration.register(uow, body)
    return UserRead(id=user.id, username=user.username)


@router.get(
    "/v1/recovery-questions",
    summary="The recovery questions a credential can use, in English or French (Accept-Language)",
    operation_id="list_recovery_questions",
    openapi_extra=access(Acting.PUBLIC),
)
async def list_recovery_questions(
    response: Response, accept_language: Annotated[str | None, Header()] = None
) -> RecoveryQuestionList:
    language = preferred_language(accept_language)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return RecoveryQuestionList(
        items=[RecoveryQuestionRead(id=q.id, text=q.text(language)) for q in rules.RECOVERY_QUESTIONS],
        language=language,
    )
