"""The status page's and the outage problems' words, in both official languages."""

from __future__ import annotations

from datetime import datetime

from portal_gateway.outages.tracker import Outage
from portal_runtime.language import Language
from portal_runtime.problems import ServiceUnavailable

STATUS_URL = "/v1/status"

ALL_OPERATIONAL = {
    "en": "All systems operating normally.",
    "fr": "Tous les systèmes fonctionnent normalement.",
}
NOT_ALL_OPERATIONAL = {
    "en": "Some systems are unavailable: {components}. Assume the outage continues until this page says all "
    "systems operate normally.",
    "fr": "Certains systèmes sont indisponibles : {components}. Considérez que la panne se poursuit tant que cette "
    "page n'indique pas que tous les systèmes fonctionnent normalement.",
}
UNPLANNED = {
    "en": "Unplanned outage of {component} since {since}. No time of recovery can be given yet.",
    "fr": "Panne imprévue de {component} depuis {since}. Aucune heure de rétablissement ne peut encore être donnée.",
}
PLANNED = {
    "en": "Planned maintenance of {component} until {until}.",
    "fr": "Entretien planifié de {component} jusqu'à {until}.",
}
RESOLVED = {
    "en": "{kind} outage of {component} from {since} to {until}; no penalty for data not transmitted until {waiver}.",
    "fr": "Panne {kind} de {component} du {since} au {until}; aucune pénalité pour les données non transmises "
    "jusqu'au {waiver}.",
}
KINDS = {"en": {"planned": "Planned", "unplanned": "Unplanned"}, "fr": {"planned": "prévue", "unplanned": "imprévue"}}
QUEUED_TITLE = {"en": "Accepted while the service is down", "fr": "Acceptée pendant la panne du service"}
TITLES = {
    "unplanned": {"en": "Service unavailable", "fr": "Service indisponible"},
    "planned": {"en": "Planned maintenance", "fr": "Entretien planifié"},
}
REFUSED = {
    "en": "The {component} service is unavailable ({kind} outage since {since}). Retry later; {status} shows when "
    "it is back.",
    "fr": "Le service {component} est indisponible (panne {kind_fr} depuis {since}). Réessayez plus tard; {status} "
    "indique son rétablissement.",
}


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def window_message(
    language: Language,
    component: str,
    kind: str,
    since: datetime,
    until: datetime | None,
    expected_end: datetime | None,
    maintenance_message: str | None,
    waiver: datetime | None,
) -> str:
    if until is not None and waiver is not None:
        return RESOLVED[language].format(
            kind=KINDS[language][kind],
            component=component,
            since=stamp(since),
            until=stamp(until),
            waiver=stamp(waiver),
        )
    if maintenance_message:
        return maintenance_message
    if kind == "planned" and expected_end is not None:
        return PLANNED[language].format(component=component, until=stamp(expected_end))
    return UNPLANNED[language].format(component=component, since=stamp(since))


class ComponentOutage(ServiceUnavailable):
    """A request routed to a component that is in an outage window (or planned maintenance).

    ``title`` and ``detail`` are rendered in the request's language (both are given); ``outage.message``, a member
    of its own, is written in ``language``."""

    def __init__(self, outage: Outage, language: Language, now: datetime) -> None:
        planned = outage.kind == "planned"
        self.code = "planned_maintenance" if planned else "service_unavailable"
        self.title = TITLES[outage.kind]["en"]
        self.title_fr = TITLES[outage.kind]["fr"]
        expected_end = outage.expected_end
        headers = {}
        if expected_end is not None and expected_end > now:
            headers["Retry-After"] = str(max(1, int((expected_end - now).total_seconds())))
        message = (
            outage.maintenance.message(language)
            if outage.maintenance is not None
            else window_message(language, outage.component, outage.kind, outage.since, None, expected_end, None, None)
        )
        facts = {
            "component": outage.component,
            "kind": outage.kind,
            "kind_fr": KINDS["fr"][outage.kind],
            "since": stamp(outage.since),
            "status": STATUS_URL,
        }
        super().__init__(
            REFUSED["en"].format(**facts),
            fr=REFUSED["fr"].format(**facts),
            component=outage.component,
            headers=headers or None,
            outage={
                "window_id": outage.window_id,
                "component": outage.component,
                "kind": outage.kind,
                "since": outage.since.isoformat().replace("+00:00", "Z"),
                "expected_end": expected_end.isoformat().replace("+00:00", "Z") if expected_end else None,
                "message": message
                or window_message(
                    language, outage.component, outage.kind, outage.since, None, expected_end, None, None
                ),
                "status_url": STATUS_URL,
            },
        )
