import pytest
from django.urls import reverse

from tests.factories import MemberFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/member/login"


def post_login(client, username, password, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def test_login_page_is_at_the_guides_path(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "会員番号" in body and "パスワードを忘れた場合" in body


def test_member_logs_in_with_leading_zero_number(client, member_password):
    member = MemberFactory(user=UserFactory(username="0012345"))
    response = post_login(client, "0012345", member_password)
    assert response.status_code == 302
    assert response.url == reverse("member:dashboard")
    assert client.get(reverse("member:dashboard")).context["user"] == member.user


def test_number_without_leading_zero_is_another_account(client, member_password):
    MemberFactory(user=UserFactory(username="0012345"))
    response = post_login(client, "12345", member_password)
    assert response.status_code == 200
    assert "会員番号またはパスワードが正しくありません" in response.content.decode()


def test_full_width_digits_and_spaces_are_normalised(client, member_password):
    MemberFactory(user=UserFactory(username="0012345"))
    response = post_login(client, "　００１２３４５ ", member_password)
    assert response.status_code == 302
    assert response.url == reverse("member:dashboard")


def test_password_is_case_sensitive(client, member_password):
    MemberFactory(user=UserFactory(username="0012345"))
    response = post_login(client, "0012345", member_password.swapcase())
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "大文字と小文字を区別します" in response.content.decode()


def test_next_parameter_is_followed(client, member, member_password):
    response = post_login(client, member.member_number, member_password, next="/member/notices")
    assert response.url == "/member/notices"


def test_staff_login_goes_to_the_admin(client):
    staff = StaffUserFactory(password="Staff2026x")
    response = post_login(client, staff.username, "Staff2026x")
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def test_imported_member_without_password_cannot_log_in(client):
    member = MemberFactory(user=UserFactory(password=False))
    response = post_login(client, member.member_number, "")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session_and_the_login_page_says_so(member_client):
    response = member_client.post(reverse("member:logout"))
    assert response.status_code == 302 and response.url == reverse("member:login")
    assert "ログアウトしました。" in member_client.get(response.url).content.decode()
    assert member_client.get(reverse("member:dashboard")).status_code == 302
    # Said once: the next visit to the login page is a plain one.
    assert "ログアウトしました。" not in member_client.get(reverse("member:login")).content.decode()


def test_a_logout_sent_elsewhere_leaves_no_message_for_later(member_client):
    response = member_client.post(reverse("member:logout"), {"next": "/"})
    assert response.url == "/"
    assert "ログアウトしました。" not in member_client.get(reverse("member:login")).content.decode()


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_the_login_page_opens_without_any_wagtail_site(client):
    """An empty database (no Site row, e.g. before the CMS is set up) must not break the login page."""
    from wagtail.models import Site

    Site.objects.all().delete()
    response = client.get(reverse("member:login"))
    assert response.status_code == 200 and "会員ログイン" in response.text
