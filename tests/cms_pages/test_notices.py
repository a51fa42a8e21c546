"""Notices: public ones for everyone, members-only ones behind Wagtail's login restriction."""

import datetime

import pytest
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms_pages.models import NoticePage

pytestmark = pytest.mark.django_db


def add_notice(index, title, date, restriction=None, **restriction_fields):
    notice = index.add_child(instance=NoticePage(title=title, date=date, body="<p>本文</p>"))
    if restriction:
        PageViewRestriction.objects.create(page=notice, restriction_type=restriction, **restriction_fields)
    return notice


@pytest.fixture
def members_only_notice(demo_site):
    return add_notice(demo_site["notices"], "会員限定のお知らせ", datetime.date(2026, 11, 1), PageViewRestriction.LOGIN)


def test_anonymous_visitor_cannot_read_a_members_only_notice(client, members_only_notice):
    response = client.get(members_only_notice.url)
    assert response.status_code == 302
    assert response.url.startswith("/member/login?next=")


def test_member_can_read_a_members_only_notice(member_client, members_only_notice):
    response = member_client.get(members_only_notice.url)
    assert response.status_code == 200
    assert "会員限定のお知らせ" in response.content.decode()


def test_public_lists_leave_members_only_notices_out(client, demo_site, members_only_notice):
    for url in ("/", demo_site["notices"].url):
        body = client.get(url).content.decode()
        assert "会員限定のお知らせ" not in body, url
        assert "システムメンテナンスのお知らせ" in body, url


def test_members_notice_list_shows_both_kinds_newest_first(member_client, demo_site, members_only_notice):
    response = member_client.get(reverse("member:notices"))
    notices = list(response.context["page_obj"].object_list)
    titles = [notice.title for notice in notices]
    assert "会員限定のお知らせ" in titles
    assert "システムメンテナンスのお知らせ" in titles
    dates = [notice.date for notice in notices]
    assert dates == sorted(dates, reverse=True)
    flagged = {notice.title for notice in notices if notice.members_only}
    assert "会員限定のお知らせ" in flagged and "システムメンテナンスのお知らせ" not in flagged
    assert "会員限定" in response.content.decode()


def test_password_or_group_restricted_notices_stay_out_of_the_members_list(member_client, demo_site):
    add_notice(
        demo_site["notices"],
        "役員向けのお知らせ",
        datetime.date(2026, 11, 2),
        PageViewRestriction.PASSWORD,
        password="secret",
    )
    titles = [n.title for n in member_client.get(reverse("member:notices")).context["page_obj"].object_list]
    assert "役員向けのお知らせ" not in titles


def test_unpublished_notices_are_not_listed(member_client, demo_site):
    draft = add_notice(demo_site["notices"], "下書きのお知らせ", datetime.date(2026, 11, 3))
    draft.unpublish()
    titles = [n.title for n in member_client.get(reverse("member:notices")).context["page_obj"].object_list]
    assert "下書きのお知らせ" not in titles


def test_members_notice_list_pages_by_ten(member_client, demo_site, django_assert_max_num_queries):
    index = demo_site["notices"]
    for n in range(20):
        add_notice(
            index,
            f"追加のお知らせ{n:02d}",
            datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
            PageViewRestriction.LOGIN if n % 2 else None,
        )
    total = NoticePage.objects.live().count()
    first = member_client.get(reverse("member:notices"))
    assert len(first.context["page_obj"].object_list) == 10
    assert first.context["page_obj"].paginator.count == total
    last = member_client.get(reverse("member:notices"), {"page": first.context["page_obj"].paginator.num_pages})
    assert len(last.context["page_obj"].object_list) == total - 10 * (last.context["page_obj"].number - 1)
    assert f"{total}件中" in first.content.decode()


def test_notice_list_query_count_does_not_grow_with_restricted_notices(
    member_client, demo_site, django_assert_num_queries
):
    index = demo_site["notices"]
    member_client.get(reverse("member:notices"))  # warm up session and settings caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        member_client.get(reverse("member:notices"))
    for n in range(8):
        add_notice(index, f"会員限定{n}", datetime.date(2026, 10, n + 1), PageViewRestriction.LOGIN)
    with CaptureQueriesContext(connection) as many:
        member_client.get(reverse("member:notices"))
    assert len(many) == len(few)


def test_a_guest_reads_neither_a_members_only_notice_nor_sees_it_listed(client, demo_site, members_only_notice):
    """Anyone may sign up as a guest (non-member): being logged in is not being a member."""
    from tests.factories import guest_member

    guest = guest_member("G0000009")
    client.force_login(guest.user)
    assert client.get(members_only_notice.url).status_code == 403
    listing = client.get(reverse("member:notices")).content.decode()
    assert "会員限定のお知らせ" not in listing
    assert "システムメンテナンスのお知らせ" in listing
