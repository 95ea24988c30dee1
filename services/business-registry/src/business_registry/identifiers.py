"""Business numbers: nine digits, the last a Luhn check digit (python-stdnum)."""

from stdnum.ca import bn as business_number

from business_registry.errors import InvalidBusinessNumber


def require_valid_bn(bn: str, field: str = "bn") -> str:
    if not business_number.is_valid(bn) or len(bn) != 9:
        raise InvalidBusinessNumber(bn, field)
    return bn


def program_account_number(bn: str, program_reference: str) -> str:
    """BN9 + ``RM0001`` -> the BN15 ``123456789RM0001``."""
    return f"{bn}{program_reference}"
