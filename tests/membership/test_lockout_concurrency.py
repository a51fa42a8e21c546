"""Issue 11 item 5 on PostgreSQL: attempts arriving together from many addresses cannot slip
past the per-account slow-down (two threads, each with its own connection, barrier first)."""

import datetime
import threading

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def guess(username, ip):
    return Client().post("/member/login", {"username": username, "password": "Wrong1234"}, REMOTE_ADDR=ip)


def test_guesses_arriving_together_from_two_addresses_get_one_slot():
    member = MemberFactory()
    # Ten failures from ten addresses, the last one two minutes ago: the account is slowed
    # down and its next slot is free.
    long_ago = timezone.now() - datetime.timedelta(minutes=2)
    AccessAttempt.objects.bulk_create(
        AccessAttempt(
            username=member.member_number, ip_address=f"192.0.2.{n + 1}", user_agent="", get_data="",
            post_data="", http_accept="", path_info="/member/login", failures_since_start=1,
        )
        for n in range(10)
    )  # fmt: skip
    AccessAttempt.objects.update(attempt_time=long_ago)  # the field is auto_now_add
    first, second = run_together(
        lambda: guess(member.member_number, "198.51.100.1").status_code,
        lambda: guess(member.member_number, "198.51.100.2").status_code,
    )
    assert sorted([first, second]) == [200, 429]  # one guess checked, the other told to wait
