"""Two desks reading the same ticket at once (PostgreSQL): one marks it, the other says it was
already recorded; one credit, one history entry."""

import pytest
from django.db import connection
from wagtail.models import ModelLogEntry

from renewal import checkin
from renewal.checkin_codes import ticket_code
from renewal.models import Credit, Registration
from renewal.registrations import register
from tests.factories import MemberFactory
from tests.renewal.factories import SeminarFactory, SessionFactory, days, today
from tests.renewal.test_capacity_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def test_the_same_ticket_read_at_two_desks_at_once_is_checked_in_once():
    seminar = SeminarFactory(starts_on=today(), application_opens_on=days(-30), application_closes_on=days(-1))
    session = SessionFactory(seminar=seminar)
    for _ in range(3):  # a few rounds: a missing lock loses the race sooner or later
        registration = register(member=MemberFactory(), session=session, participation_format="onsite", today=days(-2))
        code = ticket_code(registration.ticket_number)
        outcomes = run_together(
            *[
                lambda code=code: checkin.scan(session=session, text=code, action=checkin.ATTEND, user=None)
                for _ in range(2)
            ]
        )
        assert sorted(outcome.status for outcome in outcomes) == [checkin.ALREADY, checkin.ATTENDED], outcomes
        assert Registration.objects.get(pk=registration.pk).attended
        assert Credit.objects.filter(member=registration.member, session=session).count() == 1
        entries = ModelLogEntry.objects.filter(object_id=str(registration.pk), action="renewal.registration.attended")
        assert entries.count() == 1
