"""Event payloads: the ``data`` of the CloudEvents each service publishes.

Every payload class names its CloudEvents ``type`` (``<service>.<entity>.<past-tense verb>.v<N>``) and the
business it is about, which becomes the Kafka key (per-business ordering). One module per producing service;
importing this package registers them all (see :func:`all_event_types`).
"""

from portal_contracts.events.base import EventPayload, all_event_types
from portal_contracts.events.business_registry import BusinessRegistered
from portal_contracts.events.delegation import (
    AccessRequestApproved,
    AccessRequestRejected,
    AccessRequestSubmitted,
    EmployeeAccessGranted,
)
from portal_contracts.events.gateway import OutageEnded, OutageStarted
from portal_contracts.events.identity import MfaSessionLocked, ProfileUpdated, UserRegistered

__all__ = [
    "AccessRequestApproved",
    "AccessRequestRejected",
    "AccessRequestSubmitted",
    "BusinessRegistered",
    "EmployeeAccessGranted",
    "EventPayload",
    "MfaSessionLocked",
    "OutageEnded",
    "OutageStarted",
    "ProfileUpdated",
    "UserRegistered",
    "all_event_types",
]
