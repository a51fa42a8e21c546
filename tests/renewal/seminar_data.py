"""Seminars, sessions and registrations for the renewal tests."""

import datetime

from renewal.models import CreditCategory, LectureKind, Registration, Seminar, Session


def category(name="技師学会・研究会"):
    return CreditCategory.objects.get(name=name)


def make_seminar(title="第91回日本消化器内視鏡技師学会", starts_on=datetime.date(2025, 5, 10), sessions=1, **fields):
    defaults = {
        "organizer": "日本消化器内視鏡技師会",
        "venue": "奈良県コンベンションセンター",
        "ends_on": starts_on,
        "application_opens_on": starts_on - datetime.timedelta(days=60),
        "application_closes_on": starts_on - datetime.timedelta(days=1),
    }
    seminar = Seminar.objects.create(title=title, starts_on=starts_on, **{**defaults, **fields})
    for index in range(sessions):
        Session.objects.create(
            seminar=seminar,
            title=f"セッション{index + 1}",
            points=10,
            credit_category=category(),
            sort_order=index,
        )
    return seminar


def register(member, session, **fields):
    return Registration.objects.create(member=member, session=session, **fields)


def lecture_kind(name="医学講義"):
    return LectureKind.objects.get(name=name)
