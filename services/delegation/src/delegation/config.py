from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Delegation settings; environment variables are prefixed ``DELEGATION_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="DELEGATION_")

    service_name: str = "delegation"
    database_url: str = "sqlite+aiosqlite:///var/delegation.db"
    port: int = 8003
    relationship_expiry_interval_s: float = 3600.0  # how often relationships past their expiry date expire; 0: never
    group_operation_interval_s: float = 0.5  # how often the worker looks for pending group operations; 0: never
    # Authorization decisions from an in-memory index of the tables (delegation.decisions.live); off: every
    # decision reads the tables.
    decision_index: bool = True
    # Follow delegation's own topic for other replicas' changes (when a broker is configured); the index answers
    # only while that feed is current. Off: one replica only (it sees its own writes).
    decision_index_feed: bool = True
    decision_index_max_staleness_s: float = 0.5
    decision_index_startup_wait_s: float = 60.0  # startup waits this long for the load, then goes on without it
