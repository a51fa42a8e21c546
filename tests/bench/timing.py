"""Timing helpers shared by the benchmarks: medians of a few runs, both sides of a ratio
measured in the same run and interleaved, so that both see the same machine load."""

import statistics
import time

RUNS = 15
ROUNDS = 3


def median_time(client, url, *, runs=RUNS, expected_status=200):
    """The median time of ``runs`` GETs of ``url`` (after one warm-up), in seconds."""
    client.get(url)  # warm up
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == expected_status, (url, response.status_code)
    return statistics.median(timings)


def getter(client, url, *, expected_status=200):
    """A callable that GETs ``url`` once and checks its status (for ``paired_ratio``)."""

    def get():
        response = client.get(url)
        assert response.status_code == expected_status, (url, response.status_code)

    return get


def paired_ratio(anchor, page, *, runs=RUNS):
    """The median time of ``page()`` over the median time of ``anchor()``, each run timing one
    anchor and then one page, moments apart: on a shared machine whose load swings from second
    to second, both medians are taken under the same load (after one warm-up of each)."""
    anchor()
    page()
    anchors, pages = [], []
    for _ in range(runs):
        for call, timings in ((anchor, anchors), (page, pages)):
            start = time.perf_counter()
            call()
            timings.append(time.perf_counter() - start)
    return statistics.median(pages) / statistics.median(anchors)


def ratios_over_anchor(anchor, pages, *, rounds=ROUNDS, runs=RUNS):
    """Each page's ``paired_ratio`` over ``anchor``, the median over ``rounds`` rounds.

    ``anchor`` and each value of ``pages`` are callables making one request; every round
    measures each page in turn, interleaved with the anchor."""
    per_round = {name: [] for name in pages}
    for _ in range(rounds):
        for name, page in pages.items():
            per_round[name].append(paired_ratio(anchor, page, runs=runs))
    return {name: statistics.median(values) for name, values in per_round.items()}
