from delegation.main import spec
from portal_runtime.migrations import run_env

run_env(spec().metadata)
