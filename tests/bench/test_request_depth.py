"""BENCH request_minor_faults_worst_depth: a request costs the same whatever depth the handler
is called at.

The login page is fetched through Django's handler from callers DEPTHS frames deep, with the
project's middleware, which starts every request in a stack chunk of its own (``core.stack``),
and again without that middleware, as an anchor measured in the same run. Printed: the worst
depth's minor page faults per request for both. Python maps each stack chunk afresh and faults
its pages in, so a request that crosses a chunk boundary in a loop (mapping and unmapping a
chunk at every call) faults hundreds of times; a request in its own chunk faults the same few
times at every depth. Page faults, not times: the times swing with this machine's load more
than the effect (which ``core.stack`` gives in times, measured on a quiet machine).
"""

import resource

import pytest
from django.test import Client, override_settings
from django.urls import reverse

DEPTHS = range(0, 240, 6)
RUNS = 5


def at_depth(depth, call):
    return call() if depth == 0 else at_depth(depth - 1, call)


def worst_faults(client, url):
    """The most minor page faults a request took, over DEPTHS (each the mean of RUNS requests)."""
    worst = 0
    for depth in DEPTHS:
        at_depth(depth, lambda: client.get(url))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(RUNS):
            assert at_depth(depth, lambda: client.get(url)).status_code == 200
        worst = max(worst, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / RUNS)
    return worst


@pytest.mark.django_db
def test_request_minor_faults_worst_depth(settings):
    url = reverse("member:login")
    protected = worst_faults(Client(), url)
    without = [name for name in settings.MIDDLEWARE if name != "core.stack.StackChunkMiddleware"]
    with override_settings(MIDDLEWARE=without):
        unprotected = worst_faults(Client(), url)
    print()
    print(f"BENCH request_minor_faults_worst_depth {protected:.0f} faults")
    print(f"BENCH request_minor_faults_worst_depth_without_own_chunk {unprotected:.0f} faults")
