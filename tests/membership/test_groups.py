"""The staff groups of migration 0002: 事務局 manages members, 編集者 edits the public site only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from membership.models import DuesRule, GatewayNotification, Member, Payment
from tests.factories import InvoiceFactory, MemberFactory, user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_membership_member"
MENU_ITEM = '"name": "members"'


def member_urls(member):
    return [
        reverse(f"{URLS}:list"),
        reverse(f"{URLS}:list") + "?export=csv",
        reverse(f"{URLS}:list") + "?export=xlsx",
        reverse(f"{URLS}:list_results"),
        reverse(f"{URLS}:add"),
        reverse(f"{URLS}:inspect", args=[member.pk]),
        reverse(f"{URLS}:edit", args=[member.pk]),
        reverse(f"{URLS}:history", args=[member.pk]),
        reverse(f"{URLS}:delete", args=[member.pk]),
    ]


def test_staff_group_permissions():
    staff = Group.objects.get(name="事務局")
    codenames = set(staff.permissions.values_list("content_type__app_label", "codename"))
    assert ("wagtailadmin", "access_admin") in codenames
    for action in ("add", "change", "view", "delete"):
        assert ("membership", f"{action}_member") in codenames


def test_editor_group_permissions():
    editors = Group.objects.get(name="編集者")
    assert set(editors.permissions.values_list("codename", flat=True)) == {"access_admin"}
    root = Page.get_first_root_node()
    page_permissions = set(
        GroupPagePermission.objects.filter(group=editors, page=root).values_list("permission__codename", flat=True)
    )
    assert page_permissions == {"add_page", "change_page", "publish_page"}
    collection_permissions = set(
        GroupCollectionPermission.objects.filter(
            group=editors, collection=Collection.get_first_root_node()
        ).values_list("permission__codename", flat=True)
    )
    assert {"add_image", "change_image", "choose_image", "add_document", "change_document"} <= collection_permissions


def test_editor_cannot_reach_member_data(client):
    member = MemberFactory(family_name="秘密", given_name="花子", user__email="secret@example.jp")
    editor = user_in("編集者")
    log_in_staff(client, editor)
    for url in member_urls(member):
        response = client.get(url)
        # Wagtail turns the PermissionDenied into a redirect to the dashboard with a message.
        assert response.status_code == 302, url
        assert response.url == reverse("wagtailadmin_home"), url
        # A script (XMLHttpRequest) gets the plain 403.
        assert client.get(url, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403, url
    response = client.post(reverse(f"{URLS}:edit", args=[member.pk]), {"family_name": "改ざん"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.family_name == "秘密"


def chooser_urls(model_name, pk):
    """Every URL Wagtail's snippet chooser would have for a model (none is registered)."""
    base = f"/admin/snippets/choose/membership/{model_name}/"
    return [
        base,
        base + "?q=秘密",
        base + "results/",
        base + "results/?q=秘密",
        base + f"chosen/{pk}/",
        base + f"chosen-multiple/?id={pk}",
        base + "create/",
    ]


def private_records():
    """One record of each snippet model, all tied to a member whose name must not leak."""
    member = MemberFactory(family_name="秘密", given_name="花子", user__email="secret@example.jp")
    invoice = InvoiceFactory(member=member)
    payment = Payment.objects.create(invoice=invoice, method="card", order_id="D2025-SECRET-0001", amount=5000)
    notification = GatewayNotification.objects.create(
        body="ShopID=x&OrderID=D2025-SECRET-0001", order_id="D2025-SECRET-0001", status="CAPTURE", payment=payment
    )
    rule = DuesRule.objects.create(fiscal_year=2025, member_status=Member.Status.ACTIVE, amount=5000)
    return {
        "member": member.pk,
        "invoice": invoice.pk,
        "payment": payment.pk,
        "gatewaynotification": notification.pk,
        "duesrule": rule.pk,
    }


@pytest.mark.parametrize("group_name", ["編集者", "事務局"])
def test_snippet_choosers_are_not_registered(client, group_name):
    """Wagtail's snippet choosers check no model permission, so they are not registered at all."""
    records = private_records()
    log_in_staff(client, user_in(group_name))
    for model_name, pk in records.items():
        for url in chooser_urls(model_name, pk):
            for headers in ({}, {"x-requested-with": "XMLHttpRequest"}):
                response = client.get(url, headers=headers)
                assert response.status_code in (403, 404), url
                body = response.content.decode()
                assert "秘密" not in body and "secret@example.jp" not in body, url
                assert "D2025-SECRET-0001" not in body, url


def test_snippet_choosers_are_not_registered_even_for_a_superuser(admin_client):
    records = private_records()
    for model_name, pk in records.items():
        for url in chooser_urls(model_name, pk):
            assert admin_client.get(url).status_code == 404, url


def test_editor_menu_has_no_members_but_the_editor_can_edit_pages_and_images(client):
    log_in_staff(client, user_in("編集者"))
    dashboard = client.get(reverse("wagtailadmin_home"))
    assert dashboard.status_code == 200
    body = dashboard.content.decode()
    assert MENU_ITEM not in body
    assert reverse(f"{URLS}:list") not in body
    assert client.get(reverse("wagtailadmin_explore_root")).status_code == 200
    assert client.get(reverse("wagtailimages:index")).status_code == 200
    assert client.get(reverse("wagtaildocs:index")).status_code == 200


def test_staff_member_can_list_inspect_and_edit_members(client):
    member = MemberFactory(family_name="表示", given_name="太郎")
    log_in_staff(client, user_in("事務局"))
    body = client.get(reverse("wagtailadmin_home")).content.decode()
    assert MENU_ITEM in body and reverse(f"{URLS}:list") in body
    for url in member_urls(member):
        assert client.get(url).status_code == 200, url
    assert "表示 太郎" in client.get(reverse(f"{URLS}:list")).content.decode()


def test_signed_out_visitors_are_sent_to_the_admin_login(client):
    response = client.get(reverse(f"{URLS}:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("wagtailadmin_login"))
