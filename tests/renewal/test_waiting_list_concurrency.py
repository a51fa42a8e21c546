"""Seat offers under concurrency (PostgreSQL): two cancellations at once offer two seats to two
different people, and the capacity holds while registrations and an acceptance race."""

import pytest
from django.db import connection

from core.errors import DomainError
from renewal import waiting_list
from renewal.models import Registration, WaitlistEntry
from renewal.registrations import cancel_registration, register
from tests.factories import MemberFactory
from tests.renewal.factories import SessionFactory
from tests.renewal.test_capacity_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def full_session_with_line(capacity, waiting):
    session = SessionFactory(capacity=capacity)
    holders = [MemberFactory() for _ in range(capacity)]
    registrations = [register(member=m, session=session, participation_format="onsite") for m in holders]
    line = [MemberFactory() for _ in range(waiting)]
    for member in line:
        waiting_list.join(member=member, session=session)
    return session, registrations, line


def test_two_cancellations_at_once_offer_two_seats_to_two_different_people():
    for _ in range(3):  # a few rounds: a missing lock loses the race sooner or later
        session, (one, two), line = full_session_with_line(capacity=2, waiting=3)
        outcomes = run_together(
            *[lambda r=r: cancel_registration(member=r.member, registration_id=r.pk) for r in (one, two)],
        )
        assert all(isinstance(outcome, Registration) for outcome in outcomes), outcomes
        offered = list(
            WaitlistEntry.objects.filter(session=session, state=WaitlistEntry.State.OFFERED).values_list(
                "member_id", flat=True
            )
        )
        assert sorted(offered) == sorted(member.pk for member in line[:2])
        assert WaitlistEntry.objects.get(member=line[2], session=session).state == WaitlistEntry.State.WAITING


def test_capacity_holds_while_an_acceptance_and_new_registrations_race():
    session, (holder,), (waiter,) = full_session_with_line(capacity=1, waiting=1)
    cancel_registration(member=holder.member, registration_id=holder.pk)
    entry = WaitlistEntry.objects.get(member=waiter)
    others = [MemberFactory() for _ in range(3)]
    outcomes = run_together(
        lambda: waiting_list.accept(member=waiter, entry_id=entry.pk, participation_format="onsite"),
        *[lambda m=m: register(member=m, session=session, participation_format="onsite") for m in others],
    )
    assert isinstance(outcomes[0], Registration), outcomes
    live = Registration.objects.filter(session=session, state="applied")
    assert list(live.values_list("member_id", flat=True)) == [waiter.pk]


def test_accepting_an_offer_while_registering_in_another_tab_gives_one_registration_and_a_clear_refusal():
    for _ in range(3):  # a few rounds: the deadlock needs the two to interleave
        session, (holder,), (waiter,) = full_session_with_line(capacity=1, waiting=1)
        cancel_registration(member=holder.member, registration_id=holder.pk)
        entry = WaitlistEntry.objects.get(member=waiter)
        outcomes = run_together(
            lambda w=waiter, e=entry: waiting_list.accept(member=w, entry_id=e.pk, participation_format="onsite"),
            lambda w=waiter, s=session: register(member=w, session=s, participation_format="onsite"),
        )
        registered = [outcome for outcome in outcomes if isinstance(outcome, Registration)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
        assert len(registered) == 1 and len(refused) == 1, outcomes
        assert "すでにお申し込み" in str(refused[0])
        assert Registration.objects.filter(session=session, member=waiter, state="applied").count() == 1
        entry.refresh_from_db()
        assert entry.state == WaitlistEntry.State.ACCEPTED  # the seat it held is the registration's
