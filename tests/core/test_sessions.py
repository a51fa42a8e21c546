"""Sessions (core/sessions.py): kept in the database, read with one plain SELECT."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_logged_in_member_stays_logged_in_from_page_to_page(member_client, member):
    for name in ("member:dashboard", "member:dues", "member:profile"):
        response = member_client.get(reverse(name))
        assert response.status_code == 200
        assert response.context["user"] == member.user


def test_an_expired_session_is_logged_out(member_client):
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = member_client.get(reverse("member:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("member:login"))


def test_logging_out_ends_the_session_for_every_copy_of_its_cookie(member_client):
    """A logout deletes the row: another browser (or server process) holding the same cookie is out too."""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = member_client.cookies[settings.SESSION_COOKIE_NAME].value
    assert other.get(reverse("member:dashboard")).status_code == 200
    member_client.post(reverse("member:logout"))
    response = other.get(reverse("member:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("member:login"))


def test_an_unknown_session_key_is_an_anonymous_visitor(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    response = client.get(reverse("member:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("member:login"))
