"""The site, its settings and the dashboard's notices are read from the cache (core.cached_rows):
an edit shows at once in the server process that saved it, and within seconds in the others."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from cms_pages.models import NoticeIndexPage, NoticePage, SocietySettings
from core.cached_rows import SECONDS
from renewal.models import RenewalSettings


def society_settings():
    return SocietySettings.for_site(Site.objects.get(is_default_site=True))


def test_an_edited_society_name_shows_on_the_next_page(member_client):
    assert "日本消化器内視鏡技師会 会員ページ" in member_client.get(reverse("member:dashboard")).content.decode()
    settings = society_settings()
    settings.society_name = "日本テスト技師会"
    settings.save()
    assert "日本テスト技師会 会員ページ" in member_client.get(reverse("member:dashboard")).content.decode()


def test_a_name_saved_by_another_server_process_shows_within_seconds(member_client):
    member_client.get(reverse("member:dashboard"))
    # An update sends no signal in this process: as if another gunicorn worker had saved it.
    SocietySettings.objects.update(society_name="日本テスト技師会")
    assert "日本テスト技師会" not in member_client.get(reverse("member:dashboard")).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=SECONDS + 1)):
        assert "日本テスト技師会 会員ページ" in member_client.get(reverse("member:dashboard")).content.decode()


def test_a_service_reads_the_renewal_rules_themselves_not_the_pages_copy(rf, db):
    request = rf.get("/")
    RenewalSettings.load(request_or_site=request)
    RenewalSettings.objects.update(renewal_fee=12345)  # another process's edit
    assert RenewalSettings.load().renewal_fee == 12345
    assert RenewalSettings.load(request_or_site=rf.get("/")).renewal_fee != 12345  # a page, within seconds


def test_a_published_notice_shows_on_the_dashboard_at_once(member_client, demo_site):
    assert "臨時休業のお知らせ" not in member_client.get(reverse("member:dashboard")).content.decode()
    index = NoticeIndexPage.objects.get()
    index.add_child(instance=NoticePage(title="臨時休業のお知らせ", date=timezone.localdate(), body="<p>本文</p>"))
    assert "臨時休業のお知らせ" in member_client.get(reverse("member:dashboard")).content.decode()
