from portal_gateway.outages.db import metadata
from portal_runtime.migrations import run_env

run_env(metadata)
