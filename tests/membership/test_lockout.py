"""django-axes: 5 failures lock an account for the address they came from, for 30 minutes
(issue 11 item 5, OWASP ASVS: the combination of account and address, not the whole account)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="203.0.113.10"):
    return client.post("/member/login", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_with_a_japanese_message(client, member, member_password):
    for _ in range(4):
        assert attempt(client, member.member_number, "Wrong1234").status_code == 200
    locked = attempt(client, member.member_number, "Wrong1234")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "ログインに5回続けて失敗したため" in body
    assert "以降にもう一度お試しください" in body
    retry_at = locked.context["retry_at"]
    assert datetime.timedelta(minutes=29) < retry_at - timezone.now() <= datetime.timedelta(minutes=30)
    # Even the right password is refused while locked, from that address.
    assert attempt(client, member.member_number, member_password).status_code == 429


def test_lock_lifts_after_thirty_minutes(client, member, member_password):
    for _ in range(5):
        attempt(client, member.member_number, "Wrong1234")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = attempt(client, member.member_number, member_password)
    assert response.status_code == 302


def test_failures_against_other_accounts_do_not_lock_a_sixth_from_the_same_address(client, member_password):
    """Changed by issue 11 item 5: the lock is per account and address, so a shared address (a
    hospital's network) where five colleagues mistyped does not lock out a sixth."""
    for other in [MemberFactory() for _ in range(5)]:
        attempt(client, other.member_number, "Wrong1234", ip="192.0.2.50")
    victim = MemberFactory()
    assert attempt(client, victim.member_number, member_password, ip="192.0.2.50").status_code == 302


def test_full_width_number_counts_against_the_same_account(client, member, member_password):
    full_width = member.member_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for n in range(5):
        attempt(client, full_width if n % 2 else member.member_number, "Wrong1234", ip="198.51.100.1")
    assert attempt(client, member.member_number, member_password, ip="198.51.100.1").status_code == 429


def test_success_resets_the_failure_count(client, member, member_password):
    for _ in range(4):
        attempt(client, member.member_number, "Wrong1234")
    assert attempt(client, member.member_number, member_password).status_code == 302
    client.post("/member/logout")
    for _ in range(4):
        assert attempt(client, member.member_number, "Wrong1234").status_code == 200


def test_forwarded_for_header_is_ignored_without_a_proxy(client, member, member_password):
    """Facing clients directly, a forged X-Forwarded-For does not dodge the per-address count."""
    for n in range(5):
        client.post(
            "/member/login",
            {"username": member.member_number, "password": "Wrong1234"},
            REMOTE_ADDR="192.0.2.60",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = client.post(
        "/member/login",
        {"username": member.member_number, "password": member_password},
        REMOTE_ADDR="192.0.2.60",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429


def test_behind_a_proxy_one_client_does_not_lock_out_everyone(client, settings, member, member_password):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    for _ in range(5):
        client.post(
            "/member/login",
            {"username": member.member_number, "password": "Wrong1234"},
            REMOTE_ADDR="10.0.0.1",  # the reverse proxy
            HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1",
        )
    response = client.post(
        "/member/login",
        {"username": member.member_number, "password": member_password},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.8, 10.0.0.1",
    )
    assert response.status_code == 302
