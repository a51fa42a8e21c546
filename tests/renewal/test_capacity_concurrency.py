"""The last seat under concurrency (PostgreSQL): two members apply at once, one gets it."""

import threading

import pytest
from django.db import connection

from renewal.models import Registration
from renewal.registrations import RegistrationError, register
from tests.factories import MemberFactory
from tests.renewal.factories import SessionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def run_together(*calls):
    """Each call in its own thread (own connection), released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the test looks at what each call ended with
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_members_applying_for_the_last_seat_at_once_make_one_registration():
    session = SessionFactory(capacity=1)
    members = [MemberFactory(), MemberFactory()]
    for _ in range(3):  # a few rounds: a missing lock loses the race sooner or later
        Registration.objects.all().delete()
        outcomes = run_together(
            *[
                lambda member=member: register(member=member, session=session, participation_format="onsite")
                for member in members
            ]
        )
        registered = [outcome for outcome in outcomes if isinstance(outcome, Registration)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, RegistrationError)]
        assert len(registered) == 1 and len(refused) == 1, outcomes
        assert "定員に達した" in str(refused[0])
        assert Registration.objects.filter(session=session, state="applied").count() == 1
