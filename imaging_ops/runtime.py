"""How a long-running web worker keeps Python's garbage collector out of its requests.

A request builds and drops thousands of objects (model instances, query trees, template nodes);
with the collector's default thresholds a full pass over everything the worker has loaded (the
app's modules, URL patterns, templates) runs every few requests and lands in one of them. Once
the app is loaded, what it holds is frozen out of the collector's passes (`gc.freeze`), and
the young generation is collected less often. Reference counting still frees almost every
object at once; only cycles wait a little longer.
"""

import gc

THRESHOLDS = (20_000, 20, 20)  # Python's defaults are (700, 10, 10)


def settle_garbage_collection() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
