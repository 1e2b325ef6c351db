"""What a web process has loaded, kept out of Python's full collections.

A web process holds some 240,000 objects once it has served its first pages (modules, templates,
URL patterns, the statements it keeps), and Python's full collection walks all of them: 85-140 ms
inside one request every hundred or so, a lead list's p95 of 150-185 ms where its p50 is 20 ms.
What a process has loaded by then lives as
long as the process: `gc.freeze()` takes it out of the collector's walks (a constant-time move),
again after more pages, which load more. What requests allocate later is collected as usual.
"""

import gc

FREEZE_AFTER_REQUESTS = frozenset({1, 10, 100, 1000})


class LoadedObjectsFrozen:
    """A WSGI application that freezes the process's objects after its 1st, 10th, 100th and
    1,000th request."""

    def __init__(self, application):
        self.application = application
        self.served = 0

    def __call__(self, environ, start_response):
        try:
            return self.application(environ, start_response)
        finally:
            # Threads may race on the count: a freeze missed or made twice is harmless.
            self.served += 1
            if self.served in FREEZE_AFTER_REQUESTS:
                gc.freeze()
