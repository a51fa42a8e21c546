"""Factories for seminars and sessions (open for applications today unless told otherwise)."""

import datetime

import factory
from django.utils import timezone

from renewal.models import Credit, CreditCategory, Seminar, Session
from renewal.registrations import register


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


class SeminarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seminar

    title = factory.Sequence(lambda n: f"第{n + 1}回日本消化器内視鏡技師学会")
    organizer = "日本消化器内視鏡技師学会"
    venue = "奈良県コンベンションセンター"
    starts_on = factory.LazyFunction(lambda: days(30))
    ends_on = factory.SelfAttribute("starts_on")
    application_opens_on = factory.LazyFunction(lambda: days(-10))
    application_closes_on = factory.LazyFunction(lambda: days(20))
    onsite = True
    elearning = False


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    seminar = factory.SubFactory(SeminarFactory)
    title = factory.Sequence(lambda n: f"内視鏡技師学会{n + 1}")
    points = 10
    # get_or_create: tests with transaction=True empty the tables the data migration filled.
    credit_category = factory.LazyFunction(
        lambda: CreditCategory.objects.get_or_create(name="技師学会・研究会", defaults={"cap": 20})[0]
    )
    requirement = Session.Requirement.REQUIRED
    members_allowed = True
    guests_allowed = True
    fee_member = 0


def give_certificates(member, points_by_category, day=datetime.date(2025, 5, 1)):
    """Paper-certificate credits for ``member``: {category name: points}, earned on ``day``."""
    for name, points in points_by_category.items():
        Credit.objects.create(
            member=member,
            credit_category=CreditCategory.objects.get(name=name),
            points=points,
            earned_on=day,
            source=Credit.Source.CERTIFICATE,
            title="出席証明書",
        )


def session_held_today():
    """A session held today, open for applications until yesterday (the desk registers past it)."""
    seminar = SeminarFactory(starts_on=today(), application_opens_on=days(-30), application_closes_on=days(-1))
    return SessionFactory(seminar=seminar)


def registered_while_open(member, session):
    """A registration made while applications were open (``register`` with that day)."""
    return register(member=member, session=session, participation_format="onsite", today=days(-2))
