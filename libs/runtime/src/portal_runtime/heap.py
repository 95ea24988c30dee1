"""Long-lived objects out of the cyclic garbage collector's way.

A service allocates most of its objects once, at startup: modules, the app and its routes, the OpenAPI schemas,
settings, pools. A full collection walks all of them again, and under load one is triggered every second or so by
the requests' own allocations: in the gateway (about 170,000 objects after startup) each full collection stalled
the event loop for 30-70 ms, every request in flight included -- the longest waits of the benchmark. Frozen
(``gc.freeze``) they are left out of collections; they are still freed by reference counting when dropped.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """At the end of startup. No collection first: it would cost every app start (hundreds in a test process) a
    walk of the whole heap; the little startup garbage caught frozen is freed at :func:`unfreeze`."""
    gc.freeze()


def unfreeze() -> None:
    """At shutdown: the app's objects become collectable again (several apps start and stop in one test process)."""
    gc.unfreeze()
