"""Guide 2: the members-area shell. Every page needs login; staff without a profile go to the admin."""

import pytest
from django.urls import URLPattern, get_resolver, resolve, reverse

from membership.shell import menu_entries
from membership.urls import PUBLIC_URL_NAMES
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


MEMBERS_AREA_NAMESPACES = ("member", "renewal")  # both mounted under /member/
GUEST_URL_NAMES = {
    "member:dashboard",
    "member:notices",
    "member:inquiry",
    "member:password_change",
    "member:password_reminder",
}


def members_area_url_names():
    """(namespaced name, sample kwargs) of every members-area URL except login and password reset."""
    resolver = get_resolver()
    names = []
    for namespace_name in MEMBERS_AREA_NAMESPACES:
        namespace = resolver.namespace_dict[namespace_name][1]
        for pattern in namespace.url_patterns:
            assert isinstance(pattern, URLPattern), "nested members-area URLconfs need this test extended"
            if namespace_name == "member" and pattern.name in PUBLIC_URL_NAMES:
                continue
            names.append((f"{namespace_name}:{pattern.name}", {name: "1" for name in pattern.pattern.converters}))
    return names


def members_area_urls():
    """Every URL of the members area except login and password reset, with sample arguments."""
    return [reverse(name, kwargs=kwargs) for name, kwargs in members_area_url_names()]


def test_only_the_pages_meant_for_guests_allow_them():
    for name, kwargs in members_area_url_names():
        view = resolve(reverse(name, kwargs=kwargs)).func
        assert getattr(view, "allows_guests", None) == (name in GUEST_URL_NAMES), name


# Pages about membership itself: guests who signed up (status 非会員(ゲスト)) get the 403 page.
NOT_FOR_GUEST_MEMBERS = {
    "member:card",
    "member:application_leave",
    "member:application_return",
    "member:application_withdrawal",
    "member:application_cancel",
    "renewal:credits",
    "renewal:credits_pdf",
    "renewal:renewal",
    "renewal:renewal_apply",
    "renewal:renewal_cancel",
    "renewal:extension",
}


def test_only_the_pages_about_membership_refuse_signed_up_guests():
    for name, kwargs in members_area_url_names():
        view = resolve(reverse(name, kwargs=kwargs)).func
        assert getattr(view, "allows_guest_members", None) == (name not in NOT_FOR_GUEST_MEMBERS), name


def test_there_are_members_area_urls_to_check():
    assert len(members_area_urls()) >= 4


def test_every_members_area_url_sends_anonymous_visitors_to_login(client):
    for url in members_area_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/member/login?next="), url


def test_staff_without_member_profile_are_sent_to_the_admin(client):
    client.force_login(StaffUserFactory())
    for url in members_area_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("wagtailadmin_home"), url


def test_every_menu_entry_opens_a_page(member_client, member):
    labels = [entry.label for entry in menu_entries()]
    # In the member guide's order.
    guide_order = [
        "ダッシュボード",
        "会員詳細",
        "会費支払い明細",
        "学会・セミナー一覧",
        "学会・セミナー参加一覧",
        "資格更新確認",
        "デジタル会員証確認",
        "受講履歴ポイント照会",
        "お知らせ一覧",
    ]
    assert [label for label in labels if label in guide_order] == guide_order
    for entry in menu_entries(member):
        assert member_client.get(entry.url).status_code == 200, entry.url


def test_menu_marks_the_current_page(member_client):
    body = member_client.get(reverse("member:notices")).content.decode()
    assert 'aria-current="page" class="active">お知らせ一覧' in body


def test_dashboard_greets_the_member(member_client, member):
    body = member_client.get(reverse("member:dashboard")).content.decode()
    assert member.member_number in body
    assert member.full_name in body
    assert "menu-toggle" in body  # the three-line button for phones


def test_guests_are_told_member_pages_are_for_members(client):
    """A guest account (a non-member seminar participant, no member profile) gets a page that
    says so, never an error, and sees only the menu entries open to guests."""
    from membership.models import User

    guest = User.objects.create_user(username="G0000123", password="Guest2026pass", kind=User.Kind.GUEST)
    client.force_login(guest)
    dashboard = client.get(reverse("member:dashboard"))
    assert dashboard.status_code == 200
    for url_name in (
        "member:profile",
        "member:dues",
        "member:card",
        "renewal:seminars",
        "renewal:credits",
        "renewal:renewal",
    ):
        response = client.get(reverse(url_name))
        assert response.status_code == 403, url_name
        assert "会員の方のみご利用いただけます" in response.text
    assert reverse("member:dues") not in dashboard.text
    assert reverse("member:password_change") in dashboard.text
