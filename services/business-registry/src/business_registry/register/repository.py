from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from business_registry.register.models import RegisterRecordRow
from portal_contracts.sandbox import RegisterAddress, RegisterRecord
from portal_runtime.db import upsert


def to_record(row: RegisterRecordRow) -> RegisterRecord:
    return RegisterRecord(
        bn=row.bn,
        legal_name=row.legal_name,
        operating_name=row.operating_name,
        address=RegisterAddress(
            po_box=row.po_box,
            line1=row.line1,
            line2=row.line2,
            country=row.country,
            province=row.province,
            city=row.city,
            postal_code=row.postal_code,
        ),
        program_accounts=list(row.program_accounts),
    )


async def upsert_records(session: AsyncSession, records: Sequence[RegisterRecord], fed_at: datetime) -> int:
    rows = [
        {
            "bn": r.bn,
            "legal_name": r.legal_name,
            "operating_name": r.operating_name,
            **r.address.model_dump(),
            "program_accounts": list(r.program_accounts),
            "fed_at": fed_at,
        }
        for r in records
    ]
    await upsert(session, RegisterRecordRow.__table__, rows, ["bn"])  # type: ignore[arg-type]
    return len({r.bn for r in records})


async def get(session: AsyncSession, bn: str) -> RegisterRecord | None:
    row = await session.get(RegisterRecordRow, bn)
    return to_record(row) if row else None


async def find(session: AsyncSession, bns: Sequence[str]) -> list[RegisterRecord]:
    rows = await session.scalars(select(RegisterRecordRow).where(RegisterRecordRow.bn.in_(bns)))
    return [to_record(row) for row in rows]


async def has_records(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(exists(select(RegisterRecordRow.bn)))))
