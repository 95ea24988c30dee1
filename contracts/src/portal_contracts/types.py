"""Value types shared across services and integrators (identifiers integrators already hold)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

BusinessNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")]
"""BN9: nine digits, the last a Luhn check digit (checked by the registry)."""

ProgramAccountNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{9}RM[0-9]{4}$")]
"""BN15 of an import program account: BN9 + ``RM`` + four digits, e.g. ``123456789RM0001``."""

Language = Annotated[str, StringConstraints(pattern=r"^(en|fr)$")]
