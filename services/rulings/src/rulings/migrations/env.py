from portal_runtime.migrations import run_env
from rulings.main import spec

run_env(spec().metadata)
