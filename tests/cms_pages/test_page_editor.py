"""The page editor: its preview (Wagtail renders the page in a dummy request through the whole
middleware chain and shows the answer in an iframe of the admin, core/csp.py) and a notice's privacy dialog."""

import re

import pytest

from cms_pages.models import NoticePage
from tests.factories import user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db


def directives(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_the_preview_of_a_page_may_be_framed_by_the_admin(client, demo_site):
    notice = NoticePage.objects.live().first()
    log_in_staff(client, user_in("編集者"))

    response = client.get(f"/admin/pages/{notice.pk}/view_draft/")

    assert response.status_code == 200
    assert notice.title in response.content.decode()
    policy = directives(response)
    assert policy["frame-ancestors"] == ["'self'"]  # the site's 'none' left the preview panel empty
    script_src = policy["script-src"]  # still the site's policy
    assert script_src[0] == "'self'" and script_src[1].startswith("'nonce-")


def test_the_public_page_itself_may_not_be_framed(client, demo_site):
    notice = NoticePage.objects.live().public().filter(members_only=False).first()

    assert directives(client.get(notice.url))["frame-ancestors"] == ["'none'"]


def test_a_notices_privacy_dialog_says_where_its_privacy_is_set(client, demo_site):
    notice = NoticePage.objects.live().first()
    log_in_staff(client, user_in("編集者"))

    response = client.get(f"/admin/pages/{notice.pk}/privacy/")

    html = response.json()["html"]
    assert "「会員限定」" in html
    assert "孫ページ" not in html


def test_the_page_search_counts_pages_without_none(client, demo_site):
    log_in_staff(client, user_in("編集者"))

    body = client.get("/admin/pages/search/?q=お知らせ").content.decode()

    assert "件のページのうち" in body
    assert "None のうち" not in body and "Noneのうち" not in body  # Wagtail's search passes no model name


def test_a_page_published_by_no_user_is_named_system_in_the_aging_pages_report(client, demo_site):
    notice = NoticePage.objects.live().first()
    notice.save_revision().publish()  # as scheduled publishing does: no user
    log_in_staff(client, user_in("編集者"))

    body = client.get("/admin/reports/aging-pages/").content.decode()

    assert notice.title in body
    assert "None" not in re.sub(r"<[^>]*>", " ", body)  # the text, not the markup
    assert "システム" in body
