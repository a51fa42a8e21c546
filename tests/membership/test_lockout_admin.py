"""Issue 11 item 5: the secretariat lists the current login lockouts and unlocks an account
(管理画面 › ログインロック); the unlock is in the account's history with the staff user."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.factories import user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

URL = "/admin/lockouts/"
ATTACKER = "203.0.113.66"


def fail(username, times, ip=ATTACKER):
    visitor = Client()
    for _ in range(times):
        response = visitor.post("/member/login", {"username": username, "password": "Wrong1234"}, REMOTE_ADDR=ip)
    return response


def test_the_list_shows_locked_accounts_with_their_address(staff_client, member):
    assert fail(member.member_number, 5).status_code == 429
    fail("9999999", 5, ip="192.0.2.9")  # a guessed id with no account
    page = staff_client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "ログインロック" in body
    assert member.member_number in body and member.full_name in body
    assert ATTACKER in body and "ロック中" in body
    assert "9999999" in body and "(該当するアカウントなし)" in body
    assert "/admin/lockouts/" in staff_client.get("/admin/").content.decode()  # the menu


def test_the_list_shows_a_slowed_down_account(staff_client, member):
    for n in range(10):
        fail(member.member_number, 1, ip=f"192.0.2.{n + 1}")
    body = staff_client.get(URL).content.decode()
    assert "ログイン間隔の制限中" in body and "すべての送信元" in body


def test_unlock_lifts_the_lock_and_is_logged_with_the_staff_user(staff_client, staff_user, member, member_password):
    fail(member.member_number, 5)
    response = staff_client.post(URL, {"username": member.member_number}, follow=True)
    assert f"ログインID {member.member_number} のログインロックを解除しました。" in response.content.decode()
    assert "現在ロックされているアカウントはありません。" in response.content.decode()

    visitor = Client()
    login = visitor.post(
        "/member/login", {"username": member.member_number, "password": member_password}, REMOTE_ADDR=ATTACKER
    )
    assert login.status_code == 302

    entry = ModelLogEntry.objects.get(action="membership.lockout_cleared")
    assert entry.user_id == staff_user.pk
    assert entry.object_id == str(member.pk)
    assert entry.data["ip_addresses"] == [ATTACKER]
    # In the member's history (履歴), with the staff user.
    history = staff_client.get(reverse("wagtailsnippets_membership_member:history", args=[member.pk]))
    assert "ログインロックを解除しました" in history.content.decode()


def test_unlocking_twice_says_it_is_already_unlocked(staff_client, member):
    fail(member.member_number, 5)
    staff_client.post(URL, {"username": member.member_number})
    again = staff_client.post(URL, {"username": member.member_number}, follow=True)
    assert "このログインIDのロックはすでに解除されています。" in again.content.decode()
    assert ModelLogEntry.objects.filter(action="membership.lockout_cleared").count() == 1


def test_editors_cannot_see_or_clear_lockouts(client, member):
    fail(member.member_number, 5)
    log_in_staff(client, user_in("編集者", username="editor-tanaka"))
    # Wagtail answers a refused admin page by sending the user back to the dashboard.
    assert client.get(URL).url == "/admin/"
    assert client.post(URL, {"username": member.member_number}).url == "/admin/"
    assert "/admin/lockouts/" not in client.get("/admin/").content.decode()
    assert AccessAttempt.objects.filter(username=member.member_number).exists()
    assert not ModelLogEntry.objects.filter(action="membership.lockout_cleared").exists()
