"""The two official languages: picking one from ``Accept-Language`` (RFC 9110 §12.5.4)."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "fr"]
DEFAULT_LANGUAGE: Language = "en"


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
