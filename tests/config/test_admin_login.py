"""The admin's sign-in page is in Japanese and names the society, not Wagtail."""

import pytest
from django.urls import reverse

from tests.config.admin_text import VisibleText, english_words

pytestmark = pytest.mark.django_db


def test_the_admin_sign_in_page_names_the_society_in_japanese(client):
    response = client.get(reverse("wagtailadmin_login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "日本消化器内視鏡技師会<br>管理画面ログイン" in body
    assert ">パスワード" in body and "ログインID" in body
    parser = VisibleText()
    parser.feed(body)
    visible = " ".join(parser.texts)
    assert not english_words(visible), visible
    assert "サインイン" in visible and "login-logo" not in body  # no Wagtail heading or wordmark


def test_a_wrong_password_is_answered_in_japanese(client):
    response = client.post(reverse("wagtailadmin_login"), {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    body = response.content.decode()
    parser = VisibleText()
    parser.feed(body)
    assert "パスワード" in body and not english_words(" ".join(parser.texts))
