"""The two official languages (shared with the gateway): see :mod:`portal_runtime.language`."""

from portal_runtime.language import DEFAULT_LANGUAGE, Language, preferred_language

__all__ = ["DEFAULT_LANGUAGE", "Language", "preferred_language"]
