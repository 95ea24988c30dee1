from __future__ import annotations

from typing import ClassVar, Unpack

from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type[EventPayload]] = {}


class EventPayload(BaseModel):
    """Base of every event payload. Subclasses set ``event_type`` and, when the event is about a business,
    ``business_field`` (the field holding its BN9, used as Kafka key and CloudEvents ``subject``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    business_field: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Unpack[ConfigDict]) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type:
            if event_type in _REGISTRY:
                raise TypeError(f"event type {event_type} declared twice")
            _REGISTRY[event_type] = cls

    def partition_key(self) -> str | None:
        return str(getattr(self, self.business_field)) if self.business_field else None

    def subject(self) -> str | None:
        return self.partition_key()


def all_event_types() -> dict[str, type[EventPayload]]:
    return dict(_REGISTRY)
