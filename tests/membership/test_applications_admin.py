"""The secretariat's screens for members' applications (各種申請) in the Wagtail admin."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from membership import applications
from membership.models import Member, MembershipApplication
from tests.factories import InvoiceFactory, MemberFactory, StaffUserFactory, user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_membership_membershipapplication"
State = MembershipApplication.State


@pytest.fixture
def withdrawal(db):
    member = MemberFactory(family_name="退会", given_name="予定")
    return applications.submit_application(
        member=member,
        kind=MembershipApplication.Kind.WITHDRAWAL,
        effective_on=timezone.localdate(),
        reason="転職のため",
    )


def test_listing_filters_by_kind_and_state_and_searches_by_member(staff_client, withdrawal):
    leave = applications.submit_application(
        member=MemberFactory(family_name="休会", given_name="希望"),
        kind=MembershipApplication.Kind.LEAVE,
        effective_on=timezone.localdate(),
        leave_reason="illness",
    )
    listing = staff_client.get(reverse(f"{URLS}:list"))
    assert listing.status_code == 200
    assert withdrawal.member.member_number in listing.text and leave.member.member_number in listing.text
    only_leave = staff_client.get(reverse(f"{URLS}:list"), {"kind": "leave"}).text
    assert leave.member.member_number in only_leave and withdrawal.member.member_number not in only_leave
    found = staff_client.get(reverse(f"{URLS}:list"), {"q": withdrawal.member.member_number}).text
    assert withdrawal.member.member_number in found and leave.member.member_number not in found


def test_inspect_shows_the_application_and_the_decision_buttons(staff_client, withdrawal):
    page = staff_client.get(reverse(f"{URLS}:inspect", args=[withdrawal.pk])).text
    assert "転職のため" in page and "退会日" in page
    assert reverse(f"{URLS}:approve", args=[withdrawal.pk]) in page
    assert reverse(f"{URLS}:reject", args=[withdrawal.pk]) in page


def test_approving_changes_the_member_and_logs_who(staff_client, staff_user, withdrawal):
    InvoiceFactory(member=withdrawal.member, fiscal_year=2025)
    url = reverse(f"{URLS}:approve", args=[withdrawal.pk])
    form = staff_client.get(url).text
    assert "未納の年会費があります(2025年度)" in form  # the staff see it before deciding
    response = staff_client.post(url, {"note": "お疲れさまでした"}, follow=True)
    assert "を承認しました。" in response.text
    withdrawal.member.refresh_from_db()
    assert withdrawal.member.status == Member.Status.WITHDRAWN
    entry = ModelLogEntry.objects.get(action=applications.APPROVED_ACTION)
    assert entry.user == staff_user and entry.data == {"note": "お疲れさまでした"}
    history = staff_client.get(reverse(f"{URLS}:history", args=[withdrawal.pk])).text
    assert "承認しました(連絡: お疲れさまでした)" in history
    member_history = staff_client.get(
        reverse("wagtailsnippets_membership_member:history", args=[withdrawal.member.pk])
    ).text
    assert "会員ステータスを正会員から退会に変更しました" in member_history


def test_rejecting_needs_a_reason_shown_next_to_the_field(staff_client, withdrawal):
    url = reverse(f"{URLS}:reject", args=[withdrawal.pk])
    response = staff_client.post(url, {"note": ""})
    assert "差戻しの理由を入力してください" in response.text
    withdrawal.refresh_from_db()
    assert withdrawal.state == State.SUBMITTED
    staff_client.post(url, {"note": "退会日をご確認ください"})
    withdrawal.refresh_from_db()
    assert (withdrawal.state, withdrawal.decision_note) == (State.REJECTED, "退会日をご確認ください")
    assert ModelLogEntry.objects.filter(action=applications.REJECTED_ACTION).count() == 1


def test_a_decided_application_has_no_buttons_and_refuses_a_second_decision(staff_client, staff_user, withdrawal):
    applications.approve_application(application_id=withdrawal.pk, user=staff_user)
    page = staff_client.get(reverse(f"{URLS}:inspect", args=[withdrawal.pk])).text
    assert reverse(f"{URLS}:reject", args=[withdrawal.pk]) not in page
    response = staff_client.post(reverse(f"{URLS}:reject", args=[withdrawal.pk]), {"note": "x"})
    assert "この申請はすでに承認です。" in response.text
    withdrawal.refresh_from_db()
    assert withdrawal.state == State.APPROVED


def test_future_approval_says_when_the_status_changes(staff_client):
    later = timezone.localdate() + datetime.timedelta(days=30)
    application = applications.submit_application(
        member=MemberFactory(), kind=MembershipApplication.Kind.LEAVE, effective_on=later, leave_reason="care"
    )
    page = staff_client.get(reverse(f"{URLS}:approve", args=[application.pk])).text
    assert f"{later:%Y年%-m月%-d日}に(毎日の自動処理で)「休会」に変わり" in page


def test_editors_see_no_applications(client, withdrawal):
    log_in_staff(client, user_in("編集者", username="editor-ito"))
    assert client.get(reverse(f"{URLS}:list")).status_code in (302, 403)
    assert client.get(reverse(f"{URLS}:inspect", args=[withdrawal.pk])).status_code in (302, 403)
    assert client.post(reverse(f"{URLS}:approve", args=[withdrawal.pk]), {"note": ""}).status_code in (302, 403)
    withdrawal.refresh_from_db()
    assert withdrawal.state == State.SUBMITTED
    assert "各種申請" not in client.get(reverse("wagtailadmin_home")).text


def test_applications_cannot_be_edited_or_deleted_in_the_admin(client, withdrawal):
    # Not even by a superuser: the permission policy allows only view and change.
    log_in_staff(client, StaffUserFactory(username="root", is_superuser=True))
    edit = client.get(reverse(f"{URLS}:edit", args=[withdrawal.pk]))
    assert edit.status_code == 302 and edit["Location"] == reverse(f"{URLS}:inspect", args=[withdrawal.pk])
    client.post(reverse(f"{URLS}:delete", args=[withdrawal.pk]))
    bulk = f"/admin/bulk/membership/membershipapplication/delete/?id={withdrawal.pk}"
    refused = client.get(bulk)
    assert refused.status_code == 302 and withdrawal.member.full_name not in refused.text  # Wagtail: denied → home
    client.post(bulk)
    assert MembershipApplication.objects.filter(pk=withdrawal.pk).exists()


def test_the_bulk_delete_page_shows_editors_no_names(client, withdrawal):
    """Wagtail's bulk delete page lists the chosen objects even to users who may not delete them."""
    log_in_staff(client, user_in("編集者", username="editor-mori"))
    for model, pk in (("membershipapplication", withdrawal.pk), ("member", withdrawal.member.pk)):
        response = client.get(f"/admin/bulk/membership/{model}/delete/?id={pk}", follow=True)
        assert response.redirect_chain  # refused (Wagtail sends a denied user to the admin home)
        assert withdrawal.member.full_name not in response.text


def test_the_secretariat_may_still_bulk_delete_members(staff_client):
    member = MemberFactory(family_name="削除", given_name="予定")
    response = staff_client.get(f"/admin/bulk/membership/member/delete/?id={member.pk}")
    assert response.status_code == 200 and "削除 予定" in response.text


def test_revoking_an_approval_for_a_later_day(staff_client, staff_user):
    later = timezone.localdate() + datetime.timedelta(days=30)
    application = applications.submit_application(
        member=MemberFactory(), kind=MembershipApplication.Kind.LEAVE, effective_on=later, leave_reason="care"
    )
    applications.approve_application(application_id=application.pk, user=staff_user)
    page = staff_client.get(reverse(f"{URLS}:inspect", args=[application.pk])).text
    url = reverse(f"{URLS}:revoke", args=[application.pk])
    assert url in page
    assert "承認取消の理由を入力してください" in staff_client.post(url, {"note": ""}).text
    staff_client.post(url, {"note": "ご本人の希望により取消"})
    application.refresh_from_db()
    assert application.state == State.REVOKED
    entry = ModelLogEntry.objects.get(action=applications.REVOKED_ACTION)
    assert entry.user == staff_user
    history = staff_client.get(reverse(f"{URLS}:history", args=[application.pk])).text
    assert "承認取消しました(連絡: ご本人の希望により取消)" in history


def test_dashboard_panel_counts_applications_waiting_for_a_decision(staff_client, withdrawal, client):
    page = staff_client.get(reverse("wagtailadmin_home")).text
    assert "確認待ちの申請" in page
    assert f"{reverse(f'{URLS}:list')}?kind=withdrawal&amp;state=submitted" in page
    assert "<strong>1件</strong>" in page
    log_in_staff(client, user_in("編集者", username="editor-kato"))
    assert "確認待ちの申請" not in client.get(reverse("wagtailadmin_home")).text


def test_the_history_shows_a_taking_back_by_the_member(staff_client, withdrawal):
    applications.cancel_application(member=withdrawal.member, application_id=withdrawal.pk)
    history = staff_client.get(reverse(f"{URLS}:history", args=[withdrawal.pk])).text
    assert "会員が取り下げました" in history
    page = staff_client.get(reverse(f"{URLS}:inspect", args=[withdrawal.pk])).text
    assert reverse(f"{URLS}:approve", args=[withdrawal.pk]) not in page
