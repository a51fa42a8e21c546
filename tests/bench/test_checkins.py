"""BENCH checkins_per_s: tickets checked in at the desk through the real endpoint.

A receptionist's logged-in client (password and second factor, as at a real desk) posts one
signed ticket code after another to the scan endpoint (``renewal.views.checkin.scan``): the
code's HMAC is checked, the registration locked and marked attended with its credit and history
entry (``renewal.attendance``), and the session's counts answered, each request in its own
transaction as in production. The goal is at least 100 a second; the median of a few batches.
A second pass over the same codes (every one answered 「参加済」) is printed as
``checkins_repeat_per_s``: the offline queue's retries cost no more than a first scan.
"""

import statistics
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from membership.models import Member, User
from renewal.checkin_codes import ticket_code
from renewal.models import CreditCategory, Registration, Seminar, Session
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 900
BATCH = 300
GOAL = 100


def make_registrations(session, count):
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"C{i:07d}", password=password, kind="member") for i in range(count)]
    )
    members = Member.objects.bulk_create(
        [Member(user=user, member_number=user.username, family_name="受付", given_name="太郎") for user in users]
    )
    registrations = Registration.objects.bulk_create(
        [
            Registration(session=session, member=m, ticket_number=f"S{session.pk}-{i + 1:04d}")
            for i, m in enumerate(members)
        ]
    )
    return [ticket_code(registration.ticket_number) for registration in registrations]


def receptionist_client():
    user = User.objects.create_user(username="bench-uketsuke", password="x", kind=User.Kind.STAFF, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="check_in")
    )
    return log_in_staff(Client(), user)


def rate(client, url, codes, expected):
    started = time.perf_counter()
    for code in codes:
        response = client.post(url, {"code": code, "action": "attend"})
        assert response.status_code == 200 and response.json()["status"] == expected, response.content
    return len(codes) / (time.perf_counter() - started)


def test_checkins_per_s():
    today = timezone.localdate()
    category, _ = CreditCategory.objects.get_or_create(name="技師学会・研究会", defaults={"cap": 20})
    seminar = Seminar.objects.create(title="受付ベンチ", starts_on=today, ends_on=today,
                                     application_opens_on=today, application_closes_on=today)  # fmt: skip
    session = Session.objects.create(seminar=seminar, title="講演", points=10, credit_category=category)
    codes = make_registrations(session, COUNT)
    client = receptionist_client()
    url = reverse("checkin:scan", args=[session.pk])
    client.post(url, {"code": "warm-up", "action": "look"})
    batches = [codes[start : start + BATCH] for start in range(0, COUNT, BATCH)]
    first = statistics.median(rate(client, url, batch, "attended") for batch in batches)
    repeat = statistics.median(rate(client, url, batch, "already") for batch in batches)
    assert Registration.objects.filter(session=session, attended_at__isnull=False).count() == COUNT
    assert session.credits.count() == COUNT
    print(f"\nBENCH checkins_per_s {first:.0f} per_s")
    print(f"BENCH checkins_repeat_per_s {repeat:.0f} per_s")
    assert first >= GOAL
