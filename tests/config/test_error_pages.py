"""The Japanese error pages (templates/404.html, 403.html, 403_csrf.html, 500.html)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.views.defaults import permission_denied, server_error

from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/member/login"
NOT_FOUND = "ページが見つかりません"
CSRF_MESSAGE = (
    "画面を開いてから時間が経ったため、送信できませんでした。ページを再読み込みしてからもう一度お試しください。"
)


@pytest.fixture(autouse=True)
def production_debug(settings):
    settings.DEBUG = False


def assert_japanese_404(response):
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="ja"' in body
    assert NOT_FOUND in body
    assert 'href="/"' in body and f'href="{LOGIN_URL}"' in body
    # Not Django's English page.
    assert "Not Found" not in body and "The requested resource" not in body
    return body


@pytest.mark.parametrize("url", ["/member/no-such-page/", "/member/dues/999/no-such-page/"])
def test_unknown_member_url_shows_the_japanese_404_to_a_visitor(client, url):
    body = assert_japanese_404(client.get(url))
    assert "会員ページへ" not in body


def test_unknown_member_url_without_slash_ends_on_the_japanese_404(client):
    response = client.get("/member/no-such-page", follow=True)
    assert_japanese_404(response)


def test_unknown_member_url_shows_the_japanese_404_to_a_member(member_client):
    body = assert_japanese_404(member_client.get("/member/no-such-page/"))
    assert 'href="/member/"' in body and "会員ページへ" in body


def test_unknown_url_shows_the_japanese_404_to_staff(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    assert_japanese_404(client.get("/no-such-page/"))


def test_post_without_csrf_token_shows_the_japanese_csrf_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN_URL, {"username": "0012345", "password": "whatever"})
    assert response.status_code == 403
    body = response.content.decode()
    assert '<html lang="ja"' in body
    assert CSRF_MESSAGE in body
    assert f'href="{LOGIN_URL}"' in body
    assert "CSRF verification failed" not in body and "Forbidden" not in body
    assert "_auth_user_id" not in client.session


def test_post_with_a_stale_csrf_token_shows_the_japanese_csrf_page():
    client = Client(enforce_csrf_checks=True)
    assert client.get(LOGIN_URL).status_code == 200  # sets the CSRF cookie
    response = client.post(LOGIN_URL, {"username": "0012345", "password": "x", "csrfmiddlewaretoken": "stale" * 8})
    assert response.status_code == 403
    assert CSRF_MESSAGE in response.content.decode()


def test_permission_denied_page_is_japanese(rf):
    request = rf.get("/member/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    body = response.content.decode()
    assert "このページを表示する権限がありません" in body and f'href="{LOGIN_URL}"' in body


def test_server_error_page_is_japanese_and_needs_neither_request_context_nor_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(rf.get("/member/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert '<html lang="ja"' in body
    assert "一時的なエラー" in body and "お問い合わせ" in body
    assert 'href="/"' in body and f'href="{LOGIN_URL}"' in body
