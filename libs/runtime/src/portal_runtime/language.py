"""The two official languages: picking one from ``Accept-Language`` (RFC 9110 §12.5.4)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Literal

Language = Literal["en", "fr"]
DEFAULT_LANGUAGE: Language = "en"
# The language of the request being answered (set from Accept-Language by portal_runtime.requestid's middleware):
# problems are written in it (portal_runtime.problems).
current_language: ContextVar[Language] = ContextVar("language", default=DEFAULT_LANGUAGE)


def preferred_language(accept_language: str | None) -> Language:
    """The supported language the caller ranks highest; English when it names neither."""
    best: tuple[float, int, Language] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("en", "fr"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        language: Language = "fr" if primary == "fr" else "en"
        # Highest quality wins; on a tie, the one listed first.
        if best is None or (quality, -position) > best[:2]:
            best = (quality, -position, language)
    return best[2] if best else DEFAULT_LANGUAGE


def number_fr(value: float) -> str:
    """A number as French writes it: a decimal comma, a narrow no-break space between thousands (OQLF); at most six
    decimals, none when it is whole."""
    written = f"{value:,.6f}".rstrip("0").rstrip(".")
    whole, _, fraction = written.partition(".")
    whole = whole.replace(",", "\u202f")
    return f"{whole},{fraction}" if fraction else whole
