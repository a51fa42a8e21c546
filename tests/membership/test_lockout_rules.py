"""Issue 11 item 5 (OWASP ASVS 2.2.1): the lock is per account and address, failures while
locked do not count, an account attacked from many addresses is slowed down (not locked), and a
completed password reset lifts the account's locks."""

import datetime
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"


def attempt(client, username, password, ip):
    return client.post("/member/login", {"username": username, "password": password}, REMOTE_ADDR=ip)


def lock_from(client, member, ip=ATTACKER):
    for _ in range(5):
        response = attempt(client, member.member_number, "Wrong1234", ip)
    assert response.status_code == 429


def test_one_address_cannot_lock_the_account_for_the_others(client, member, member_password, caplog):
    with caplog.at_level(logging.WARNING, logger="membership.lockouts"):
        lock_from(client, member)
    assert f"Login to {member.member_number} locked for address {ATTACKER}" in caplog.text
    # The owner, elsewhere, logs in at once; the attacker's address stays locked.
    assert attempt(client, member.member_number, member_password, OWNER).status_code == 302
    client.post("/member/logout")
    assert attempt(client, member.member_number, member_password, ATTACKER).status_code == 429


def test_failures_from_a_locked_address_do_not_count_further(client, member, member_password):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        lock_from(client, member)
        for _ in range(20):  # hammering on while locked neither extends the lock ...
            clock.shift(datetime.timedelta(minutes=1))
            assert attempt(client, member.member_number, "Wrong1234", ATTACKER).status_code == 429
        # ... nor counts towards slowing the account down for everyone else
        assert attempt(client, member.member_number, member_password, OWNER).status_code == 302
        client.post("/member/logout")
        clock.shift(datetime.timedelta(minutes=11))  # 31 minutes after the fifth failure
        assert attempt(client, member.member_number, member_password, ATTACKER).status_code == 302


def test_an_account_attacked_from_many_addresses_is_slowed_down_not_locked(client, member, member_password):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(10):  # one failure each from ten addresses
            assert attempt(client, member.member_number, "Wrong1234", f"192.0.2.{n + 1}").status_code == 200
        # Other accounts are not slowed down.
        assert attempt(client, MemberFactory().member_number, member_password, OWNER).status_code == 302
        client.post("/member/logout")
        slowed = attempt(client, member.member_number, member_password, OWNER)
        assert slowed.status_code == 429
        assert "ログインの間隔を制限しています" in slowed.content.decode()
        assert "60秒ほど待ってから" in slowed.content.decode()
        # A minute later the next attempt goes through: a wait, not a 30-minute lock.
        clock.shift(datetime.timedelta(seconds=61))
        assert attempt(client, member.member_number, member_password, OWNER).status_code == 302


def test_the_slow_down_lets_one_guess_through_a_minute(client, member, member_password):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(10):
            attempt(client, member.member_number, "Wrong1234", f"192.0.2.{n + 1}")
        clock.shift(datetime.timedelta(seconds=61))
        assert attempt(client, member.member_number, "Wrong1234", "192.0.2.100").status_code == 200  # checked
        # The next guess, from yet another address, waits again (and is not checked).
        assert attempt(client, member.member_number, member_password, "192.0.2.101").status_code == 429


def test_an_address_the_owner_logged_in_from_before_is_not_slowed_down(client, member, member_password):
    assert attempt(client, member.member_number, member_password, OWNER).status_code == 302
    client.post("/member/logout")
    for n in range(10):
        attempt(client, member.member_number, "Wrong1234", f"192.0.2.{n + 1}")
    assert attempt(client, member.member_number, member_password, OWNER).status_code == 302


def test_a_completed_password_reset_lifts_the_lock(client, member, django_capture_on_commit_callbacks):
    lock_from(client, member, ip=OWNER)  # the owner forgot the password and locked themselves out
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("member:password_reset"),
            {"username": member.member_number, "email": member.user.email},
            REMOTE_ADDR=OWNER,
        )
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": "Renewed88Q", "new_password2": "Renewed88Q"})

    assert attempt(client, member.member_number, "Renewed88Q", OWNER).status_code == 302
    entry = ModelLogEntry.objects.get(action="membership.password_reset")
    assert entry.object_id == str(member.pk)
    assert entry.data["lockouts_cleared"] == 1
