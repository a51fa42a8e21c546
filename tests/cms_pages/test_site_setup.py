"""A new installation: `migrate` leaves Wagtail's English welcome page as the home page;
`manage.py setup_site` puts the public site's pages in its place (README, running in production)."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from cms_pages.models import HomePage, InquiryPage, NoticeIndexPage, NoticePage, QAPage, SocietySettings

pytestmark = pytest.mark.django_db


def setup_site():
    out = io.StringIO()
    call_command("setup_site", stdout=out)
    return out.getvalue()


def test_a_new_installation_shows_wagtails_english_welcome_page_until_setup_site(client):
    assert "Welcome to your new Wagtail site!" in client.get("/").content.decode()

    setup_site()

    body = client.get("/").content.decode()
    assert "Welcome" not in body
    assert "日本消化器内視鏡技師会" in body and 'href="/member/login"' in body
    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    assert NoticeIndexPage.objects.child_of(home).exists() and not NoticePage.objects.exists()  # no demo notices
    assert client.get(QAPage.objects.get().url).status_code == 200
    inquiry = InquiryPage.objects.get()
    assert client.get(inquiry.url).status_code == 200
    assert SocietySettings.for_site(Site.objects.get(is_default_site=True)).inquiry_page_id == inquiry.pk


def test_setup_site_is_idempotent():
    setup_site()
    counts = Page.objects.count()

    out = setup_site()

    assert Page.objects.count() == counts
    assert "/home-jgets/notices/  お知らせ" in out
