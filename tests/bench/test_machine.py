"""BENCH machine_*: how fast this machine is, so that the other figures compare across runs.

The same code measured 175 notifications/s on one 2-core machine and 100/s on another of the
same kind a month later. These two reference figures, printed with every ``make bench``, tell
a slower machine from slower code: a pure-Python loop, and one PostgreSQL round trip.
"""

import statistics
import time

import pytest
from django.db import connection


def median_seconds(work, runs=7):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def test_python_speed():
    seconds = median_seconds(lambda: sum(i * i for i in range(1_000_000)))
    print(f"\nBENCH machine_python_loop_ms {seconds * 1000:.1f} ms")


@pytest.mark.django_db
def test_database_round_trip():
    def thousand_round_trips():
        with connection.cursor() as cursor:
            for _ in range(1000):
                cursor.execute("SELECT 1")
                cursor.fetchone()

    seconds = median_seconds(thousand_round_trips)
    print(f"\nBENCH machine_db_round_trip_us {seconds * 1000:.0f} us")
