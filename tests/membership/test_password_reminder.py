"""Guide section 11: 120 days after a change, every login reminds; the member may skip."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def login(client, member, password):
    return client.post("/member/login", {"username": member.member_number, "password": password})


@pytest.fixture
def member_with_password_set_long_ago(member_password):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=121), tick=False):
        return MemberFactory()


def test_fresh_password_goes_straight_to_the_dashboard(client, member, member_password):
    assert login(client, member, member_password).url == reverse("member:dashboard")


def test_old_password_shows_the_reminder_after_login(client, member_with_password_set_long_ago, member_password):
    response = login(client, member_with_password_set_long_ago, member_password)
    assert response.url.startswith(reverse("member:password_reminder"))
    page = client.get(response.url)
    body = page.content.decode()
    assert "120日以上経過しています" in body
    assert reverse("member:password_change") in body
    # The reminder can be skipped: its other button leads on to the dashboard.
    assert page.context["next_url"] == reverse("member:dashboard")
    assert client.get(page.context["next_url"]).status_code == 200


def test_reminder_comes_back_at_every_login_until_changed(client, member_with_password_set_long_ago, member_password):
    member = member_with_password_set_long_ago
    for _ in range(2):
        assert login(client, member, member_password).url.startswith(reverse("member:password_reminder"))
        client.post(reverse("member:logout"))
    client.force_login(member.user)
    client.post(reverse("member:password_change"), {"new_password1": "Brandnew9Z", "new_password2": "Brandnew9Z"})
    client.post(reverse("member:logout"))
    assert login(client, member, "Brandnew9Z").url == reverse("member:dashboard")


def test_reminder_appears_on_the_day_it_is_due(client, member_password):
    member = MemberFactory()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=119)):
        assert login(client, member, member_password).url == reverse("member:dashboard")
        client.post(reverse("member:logout"))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=120, minutes=1)):
        assert login(client, member, member_password).url.startswith(reverse("member:password_reminder"))


def test_dashboard_shows_password_age_notice(client, member_with_password_set_long_ago):
    client.force_login(member_with_password_set_long_ago.user)
    response = client.get(reverse("member:dashboard"))
    assert "パスワードの変更から120日以上経過しています" in response.content.decode()


def test_max_age_is_configurable(client, settings, member, member_password):
    settings.PASSWORD_MAX_AGE_DAYS = 30
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert login(client, member, member_password).url.startswith(reverse("member:password_reminder"))


def test_reminder_ignores_an_offsite_next(member_client):
    response = member_client.get(reverse("member:password_reminder"), {"next": "https://evil.example.com/"})
    assert response.context["next_url"] == reverse("member:dashboard")
