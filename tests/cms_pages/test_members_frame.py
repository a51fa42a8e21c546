"""A logged-in member (or guest) reads a notice and the inquiry form inside the members-area
frame, with the menu and the current entry marked; visitors and staff see the public site
(issue 13, item 5)."""

import datetime
import re

import pytest

from cms_pages.models import InquiryPage, NoticePage
from tests.cms_pages.test_inquiry import filled_in
from tests.factories import MemberFactory, UserFactory, user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

MENU = '<nav id="member-menu"'
PUBLIC_LOGIN_BUTTON = "会員ログイン</a>"


@pytest.fixture
def notice(demo_site):
    return demo_site["notices"].add_child(
        instance=NoticePage(
            title="総会のお知らせ", date=datetime.date(2026, 11, 2), members_only=True, body="<p>総会を開催します。</p>"
        )
    )


@pytest.fixture
def public_notice(demo_site):
    return demo_site["notices"].add_child(
        instance=NoticePage(title="公開のお知らせ", date=datetime.date(2026, 11, 3), body="<p>どなたでも。</p>")
    )


@pytest.fixture
def inquiry(demo_site):
    return InquiryPage.objects.get()


def current_entry(body):
    """The label of the menu entry marked as the current page."""
    found = re.findall(r'<a href="[^"]*" aria-current="page"[^>]*>([^<]+)</a>', body)
    assert len(found) == 1, found
    return found[0]


def headings(body):
    return re.findall(r"<h1[^>]*>(.*?)</h1>", body, re.S)


def test_a_member_reads_a_notice_in_the_members_area(client, notice):
    client.force_login(MemberFactory(family_name="鈴木", given_name="花子").user)
    body = client.get(notice.url).content.decode()
    assert MENU in body
    assert "鈴木 花子 様" in body
    assert PUBLIC_LOGIN_BUTTON not in body
    assert current_entry(body) == "お知らせ一覧"
    assert headings(body) == ["総会のお知らせ"]  # the frame's heading, not a second one
    assert "総会を開催します。" in body
    assert '<span class="badge">会員限定</span>' in body
    assert '<a href="/member/notices">お知らせ一覧へ戻る</a>' in body
    assert "<title>総会のお知らせ | 会員ページ |" in body


def test_a_visitor_reads_a_public_notice_on_the_public_site(client, public_notice):
    body = client.get(public_notice.url).content.decode()
    assert MENU not in body
    assert PUBLIC_LOGIN_BUTTON in body
    assert headings(body) == ["公開のお知らせ"]
    assert f'<a href="{public_notice.get_parent().url}">お知らせ一覧へ戻る</a>' in body


def test_a_member_fills_in_the_inquiry_form_in_the_members_area(client, inquiry):
    client.force_login(MemberFactory().user)
    body = client.get(inquiry.url).content.decode()
    assert MENU in body
    assert PUBLIC_LOGIN_BUTTON not in body
    assert current_entry(body) == "お問い合わせ"
    assert headings(body) == [inquiry.title]
    assert 'class="members inquiry-page"' in body

    # An incomplete form comes back in the frame with its errors; the thank-you page too.
    body = client.post(inquiry.url, {}).content.decode()
    assert MENU in body and "入力内容をご確認ください。" in body
    body = client.post(inquiry.url, filled_in(inquiry)).content.decode()
    assert MENU in body
    assert "お問い合わせを受け付けました。" in body
    assert '<a href="/member/">ダッシュボードへ戻る</a>' in body


def test_a_guest_keeps_the_members_area_frame_with_the_guests_menu(client, inquiry, public_notice):
    client.force_login(UserFactory(username="G0000123", kind="guest"))
    for page in (inquiry, public_notice):
        body = client.get(page.url).content.decode()
        assert MENU in body
        assert PUBLIC_LOGIN_BUTTON not in body
        assert "会費支払い明細" not in body  # the guest's menu, not a member's


def test_visitors_and_staff_see_the_public_inquiry_page(client, inquiry):
    body = client.get(inquiry.url).content.decode()
    assert MENU not in body
    assert PUBLIC_LOGIN_BUTTON in body
    assert 'class="public inquiry-page"' in body
    assert headings(body) == [inquiry.title]

    log_in_staff(client, user_in("事務局"))
    body = client.get(inquiry.url).content.decode()
    assert MENU not in body
    assert 'class="public inquiry-page"' in body
