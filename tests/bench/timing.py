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


def ratios_over_anchor(anchor, pages, *, rounds=ROUNDS):
    """Each page's time over the anchor's, the median over ``rounds`` rounds.

    ``anchor`` and each value of ``pages`` are callables returning a median time; every round
    measures the anchor, then each page, so that a ratio compares times taken moments apart.
    """
    per_round = {name: [] for name in pages}
    for _ in range(rounds):
        base = anchor()
        for name, measure in pages.items():
            per_round[name].append(measure() / base)
    return {name: statistics.median(values) for name, values in per_round.items()}
