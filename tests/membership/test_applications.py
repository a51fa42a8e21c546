"""Guide 12, 13, 15: members apply for leave (休会), return (休会復帰) and withdrawal (退会);
the secretariat approves or sends back; an approved application changes the member's status
on its day."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from membership import applications
from membership.models import Member, MembershipApplication
from tests.factories import InvoiceFactory, MemberFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

LEAVE_URL = reverse("member:application_leave")
RETURN_URL = reverse("member:application_return")
WITHDRAWAL_URL = reverse("member:application_withdrawal")
Kind = MembershipApplication.Kind
State = MembershipApplication.State


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def submit(member, kind=Kind.LEAVE, effective_on=None, **extra):
    fields = {"leave_reason": "childcare"} if kind == Kind.LEAVE else {}
    fields.update(extra)
    return applications.submit_application(member=member, kind=kind, effective_on=effective_on or days(10), **fields)


@pytest.fixture
def mails_sent(django_capture_on_commit_callbacks):
    """Mails go out after the commit: run the on-commit callbacks when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def staff(db):
    return StaffUserFactory(username="jimu-tanaka")


# --- the member's pages ------------------------------------------------------------------------


def test_leave_application_is_submitted_and_acknowledged_by_mail(member_client, member, mails_sent):
    with mails_sent():
        response = member_client.post(
            LEAVE_URL,
            {"effective_on": days(7).isoformat(), "leave_reason": "childcare", "reason": "育児休業のため"},
            follow=True,
        )
    assert "休会申請を受け付けました" in response.text
    application = member.applications.get()
    assert (application.kind, application.state, application.effective_on) == (Kind.LEAVE, State.SUBMITTED, days(7))
    assert "事務局確認中" in response.text
    assert len(mail.outbox) == 1
    assert "休会理由を確認できるもの" in mail.outbox[0].body
    assert mail.outbox[0].to == [member.user.email]
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE  # nothing changes before the secretariat decides


def test_leave_form_errors_are_shown_next_to_the_fields(member_client, member):
    response = member_client.post(
        LEAVE_URL,
        {"effective_on": days(30).isoformat(), "leave_until": days(3).isoformat(), "leave_reason": "other"},
    )
    assert "休会終了予定日は休会開始日より後の日付を入力してください。" in response.text
    assert "休会理由が「その他」の場合は、理由を入力してください。" in response.text
    response = member_client.post(LEAVE_URL, {"effective_on": "", "leave_reason": ""})
    assert "日付を入力してください。" in response.text
    assert "休会理由を選んでください。" in response.text
    response = member_client.post(LEAVE_URL, {"effective_on": days(400).isoformat(), "leave_reason": "illness"})
    assert "までの日付を入力してください。" in response.text
    assert not member.applications.exists()


def test_withdrawal_needs_the_agreement_and_a_reason_and_shows_the_contact_details(member_client, member):
    member.home_postal_code = "1000001"
    member.save()
    page = member_client.get(WITHDRAWAL_URL)
    assert "退会に伴い日本消化器内視鏡技師会認定の消化器内視鏡技師資格も喪失" in page.text
    assert member.member_number in page.text and "1000001" in page.text
    assert reverse("member:profile_edit") in page.text  # 会員情報変更

    response = member_client.post(WITHDRAWAL_URL, {"effective_on": days(20).isoformat(), "reason": ""})
    assert "退会理由を入力してください。" in response.text
    assert "「上記に同意する」にチェックを入れてください。" in response.text
    assert not member.applications.exists()

    member_client.post(WITHDRAWAL_URL, {"effective_on": days(20).isoformat(), "reason": "転職のため", "agree": "on"})
    assert member.applications.get().kind == Kind.WITHDRAWAL


def test_withdrawal_page_warns_about_unpaid_dues(member_client, member):
    InvoiceFactory(member=member, fiscal_year=2025)
    assert "未納の年会費があります(2025年度)" in member_client.get(WITHDRAWAL_URL).text


def test_a_withdrawal_date_in_the_past_is_refused(member_client, member):
    response = member_client.post(
        WITHDRAWAL_URL, {"effective_on": days(-1).isoformat(), "reason": "転職", "agree": "on"}
    )
    assert "以降の日付を入力してください。" in response.text
    assert not member.applications.exists()


def test_return_is_only_for_members_on_leave(member_client, member):
    page = member_client.get(RETURN_URL)
    assert "休会中の方のみ申請できます。" in page.text
    assert 'name="effective_on"' not in page.text
    member_client.post(RETURN_URL, {"effective_on": days(1).isoformat()})
    assert not member.applications.exists()

    Member.objects.filter(pk=member.pk).update(status=Member.Status.ON_LEAVE, status_since=days(-100))
    member_client.post(RETURN_URL, {"effective_on": days(1).isoformat()})
    assert member.applications.get().kind == Kind.RETURN


def test_leave_is_refused_to_a_member_already_on_leave(member):
    Member.objects.filter(pk=member.pk).update(status=Member.Status.ON_LEAVE)
    member.refresh_from_db()
    with pytest.raises(applications.ApplicationError, match="休会"):
        submit(member)


def test_one_application_at_a_time_until_decided(member_client, member):
    submit(member, Kind.LEAVE)
    page = member_client.get(WITHDRAWAL_URL)
    assert "休会申請が事務局確認中です" in page.text
    assert 'name="effective_on"' not in page.text
    with pytest.raises(applications.ApplicationError):
        submit(member, Kind.WITHDRAWAL, reason="x")
    assert member.applications.count() == 1


def test_a_pending_withdrawal_is_taken_back_on_its_own_page_and_the_leave_page_links_there(member_client, member):
    """Issue 13, item 7: the leave page said 「取下げ」 below, but the button is on the withdrawal page."""
    submit(member, Kind.WITHDRAWAL, reason="転職のため")
    page = member_client.get(LEAVE_URL).text
    assert "退会申請のページの申請の状況の「取下げ」" in page
    assert f'href="{WITHDRAWAL_URL}" id="pending-application-link"' in page
    withdrawal_page = member_client.get(WITHDRAWAL_URL).text
    assert "下の申請の状況の「取下げ」" in withdrawal_page and ">取下げ</button>" in withdrawal_page


def test_the_member_can_take_back_an_undecided_application(member_client, member):
    application = submit(member)
    response = member_client.post(reverse("member:application_cancel", args=[application.pk]), follow=True)
    assert "休会申請を取り下げました。" in response.text
    application.refresh_from_db()
    assert application.state == State.CANCELLED
    # ... and may apply again.
    submit(member)
    assert member.applications.filter(state=State.SUBMITTED).count() == 1


def test_a_decided_application_cannot_be_taken_back(member_client, member, staff):
    application = submit(member)
    applications.reject_application(application_id=application.pk, user=staff, note="書類が不足しています")
    response = member_client.post(reverse("member:application_cancel", args=[application.pk]), follow=True)
    assert "差戻しのため、取り下げできません。" in response.text


def test_another_members_application_cannot_be_taken_back(member_client):
    other = submit(MemberFactory())
    response = member_client.post(reverse("member:application_cancel", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.state == State.SUBMITTED


def test_cancel_needs_a_post(member_client, member):
    application = submit(member)
    assert member_client.get(reverse("member:application_cancel", args=[application.pk])).status_code == 405


def test_pages_need_login(client):
    for url in (LEAVE_URL, RETURN_URL, WITHDRAWAL_URL):
        response = client.get(url)
        assert response.status_code == 302 and reverse("member:login") in response["Location"]


def menu_labels(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(reverse("member:dashboard")).text, "html.parser")
    return [link.get_text(strip=True) for link in page.select("nav#member-menu a")]


def test_the_menu_shows_the_applications_that_apply_to_the_member(member_client, member):
    labels = menu_labels(member_client)
    assert "休会申請" in labels and "退会申請" in labels and "休会復帰申請" not in labels
    Member.objects.filter(pk=member.pk).update(status=Member.Status.ON_LEAVE)
    labels = menu_labels(member_client)
    assert "休会復帰申請" in labels and "退会申請" in labels and "休会申請" not in labels  # already on leave
    Member.objects.filter(pk=member.pk).update(status=Member.Status.WITHDRAWN)
    labels = menu_labels(member_client)
    assert not {"休会申請", "休会復帰申請", "退会申請"} & set(labels)


def test_dashboard_tells_a_pending_application(member_client, member, staff):
    application = submit(member, effective_on=days(30))
    assert "休会申請は事務局で確認中です。" in member_client.get(reverse("member:dashboard")).text
    applications.approve_application(application_id=application.pk, user=staff)
    page = member_client.get(reverse("member:dashboard")).text
    assert "休会申請が承認されました。" in page and "休会となります" in page


def test_history_shows_the_secretariats_note(member_client, member, staff):
    application = submit(member)
    applications.reject_application(application_id=application.pk, user=staff, note="開始日をご確認ください")
    page = member_client.get(LEAVE_URL).text
    assert "差戻し" in page and "開始日をご確認ください" in page


# --- decisions and the status change -----------------------------------------------------------


def test_approval_of_a_due_application_changes_the_status_at_once_and_logs_it(member, staff, mails_sent):
    application = submit(member, effective_on=timezone.localdate())
    with mails_sent():
        applications.approve_application(application_id=application.pk, user=staff, note="承認しました")
    member.refresh_from_db()
    assert (member.status, member.status_since) == (Member.Status.ON_LEAVE, timezone.localdate())
    application.refresh_from_db()
    assert application.state == State.APPROVED and application.applied_at is not None
    assert application.decided_by == staff
    entry = ModelLogEntry.objects.get(action=applications.STATUS_APPLIED_ACTION)
    assert entry.object_id == str(member.pk) and entry.user == staff
    assert entry.data["from"] == "正会員" and entry.data["to"] == "休会"
    assert "承認しました" in mail.outbox[0].body and "休会" in mail.outbox[0].body


def test_approval_for_a_later_day_waits_for_the_daily_command(member, staff, mails_sent):
    application = submit(member, Kind.WITHDRAWAL, effective_on=days(5), reason="転職")
    applications.approve_application(application_id=application.pk, user=staff)
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE

    assert applications.apply_due_applications(today=days(4)) == 0
    with mails_sent():
        assert applications.apply_due_applications(today=days(5)) == 1
    assert "会員ステータスが「退会」になりました" in mail.outbox[-1].body
    member.refresh_from_db()
    assert (member.status, member.status_since) == (Member.Status.WITHDRAWN, days(5))
    # Run again: nothing more happens.
    assert applications.apply_due_applications(today=days(6)) == 0
    assert ModelLogEntry.objects.filter(action=applications.STATUS_APPLIED_ACTION).count() == 1


def test_the_command_applies_due_applications(member, staff):
    application = submit(member, effective_on=days(1))
    applications.approve_application(application_id=application.pk, user=staff)
    MembershipApplication.objects.filter(pk=application.pk).update(effective_on=days(0))
    call_command("apply_membership_applications")
    member.refresh_from_db()
    assert member.status == Member.Status.ON_LEAVE


def test_a_leave_then_a_return(member, staff):
    applications.approve_application(application_id=submit(member, effective_on=days(0)).pk, user=staff)
    member.refresh_from_db()
    returning = submit(member, Kind.RETURN, effective_on=days(0))
    applications.approve_application(application_id=returning.pk, user=staff)
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_rejection_needs_a_reason_and_changes_nothing(member, staff, mails_sent):
    application = submit(member, effective_on=days(0))
    with pytest.raises(applications.ApplicationError, match="理由"):
        applications.reject_application(application_id=application.pk, user=staff, note="  ")
    with mails_sent():
        applications.reject_application(application_id=application.pk, user=staff, note="書類をお送りください")
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert "差戻し" in mail.outbox[0].body and "書類をお送りください" in mail.outbox[0].body


def test_a_decided_application_is_not_decided_again(member, staff):
    application = submit(member, effective_on=days(0))
    applications.approve_application(application_id=application.pk, user=staff)
    with pytest.raises(applications.ApplicationError, match="すでに承認"):
        applications.reject_application(application_id=application.pk, user=staff, note="x")
    with pytest.raises(applications.ApplicationError, match="すでに承認"):
        applications.approve_application(application_id=application.pk, user=staff)


def test_approval_is_refused_when_the_status_changed_meanwhile(member, staff):
    application = submit(member, effective_on=days(0))
    Member.objects.filter(pk=member.pk).update(status=Member.Status.LAPSED)
    with pytest.raises(applications.ApplicationError, match="資格喪失"):
        applications.approve_application(application_id=application.pk, user=staff)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_the_database_allows_one_submitted_application_per_member(member):
    submit(member)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipApplication.objects.create(member=member, kind=Kind.WITHDRAWAL, effective_on=days(3))


def test_an_approved_leave_is_not_applied_when_the_member_withdrew_meanwhile(member, staff, mails_sent):
    application = submit(member, effective_on=days(5))
    applications.approve_application(application_id=application.pk, user=staff)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.WITHDRAWN, status_since=days(2))
    with mails_sent():
        assert applications.apply_due_applications(today=days(5)) == 0
    member.refresh_from_db()
    assert member.status == Member.Status.WITHDRAWN
    application.refresh_from_db()
    assert application.state == State.REVOKED and "退会に変わっていたため" in application.decision_note
    assert "承認を取り消しました" in mail.outbox[-1].body
    assert ModelLogEntry.objects.filter(action=applications.REVOKED_ACTION).count() == 1


def test_a_leave_cannot_reach_back_over_a_return(member):
    returned_on = days(-3)
    Member.objects.filter(pk=member.pk).update(status_since=returned_on, joined_on=datetime.date(2000, 4, 1))
    member.refresh_from_db()
    assert applications.earliest_effective_on(member, Kind.LEAVE, timezone.localdate()) == returned_on
    with pytest.raises(applications.ApplicationError, match="以降の日付"):
        submit(member, effective_on=days(-10))


def test_a_leave_can_start_back_to_april_first(member):
    Member.objects.filter(pk=member.pk).update(joined_on=datetime.date(2000, 4, 1), status_since=None)
    member.refresh_from_db()
    earliest = applications.earliest_effective_on(member, Kind.LEAVE, datetime.date(2026, 11, 25))
    assert earliest == datetime.date(2026, 4, 1)
    assert applications.earliest_effective_on(member, Kind.LEAVE, datetime.date(2027, 2, 1)) == earliest


def test_the_service_refuses_dates_the_form_would(member):
    with pytest.raises(applications.ApplicationError, match="以降の日付"):
        submit(member, Kind.WITHDRAWAL, effective_on=datetime.date(2001, 1, 1), reason="x")
    with pytest.raises(applications.ApplicationError, match="までの日付"):
        submit(member, Kind.WITHDRAWAL, effective_on=days(400), reason="x")
    assert not member.applications.exists()


def test_the_secretariat_can_revoke_an_approval_before_its_day(member, staff, mails_sent):
    application = submit(member, effective_on=days(20))
    applications.approve_application(application_id=application.pk, user=staff)
    with mails_sent():
        applications.revoke_approval(application_id=application.pk, user=staff, note="ご本人から取消の連絡")
    assert applications.apply_due_applications(today=days(20)) == 0
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert "承認を取り消しました" in mail.outbox[-1].body and "ご本人から取消の連絡" in mail.outbox[-1].body
    # The member may apply again.
    submit(member, effective_on=days(30))


def test_an_applied_approval_cannot_be_revoked(member, staff):
    application = submit(member, effective_on=days(0))
    applications.approve_application(application_id=application.pk, user=staff)
    with pytest.raises(applications.ApplicationError, match="反映済み"):
        applications.revoke_approval(application_id=application.pk, user=staff, note="x")


def test_the_secretariat_is_told_of_a_new_application(member, mails_sent, demo_site_settings):
    demo_site_settings.contact_email = "jimu@example.jp"
    demo_site_settings.save()
    with mails_sent():
        submit(member, Kind.WITHDRAWAL, effective_on=days(10), reason="転職")
    to_staff = [message for message in mail.outbox if message.to == ["jimu@example.jp"]]
    assert len(to_staff) == 1
    assert member.member_number in to_staff[0].subject and "/admin/" in to_staff[0].body


# --- the audit entries: every one written by the service, with the acting user ----------------


def test_taking_back_is_logged_with_the_members_user(member_client, member):
    application = submit(member)
    member_client.post(reverse("member:application_cancel", args=[application.pk]))
    entry = ModelLogEntry.objects.get(action=applications.CANCELLED_ACTION)
    assert (entry.object_id, entry.user) == (str(application.pk), member.user)
    application.refresh_from_db()
    assert (application.decided_at, application.decided_by, application.decision_note) == (None, None, "")


def test_each_decision_is_logged_by_the_service_with_the_staff_user_and_note(member, staff):
    approved = submit(member, effective_on=days(20))
    applications.approve_application(application_id=approved.pk, user=staff, note="承認します")
    applications.revoke_approval(application_id=approved.pk, user=staff, note="ご本人の希望")
    rejected = submit(member)
    applications.reject_application(application_id=rejected.pk, user=staff, note="書類をお送りください")
    logged = {
        (entry.action, entry.object_id, entry.user, entry.data["note"])
        for entry in ModelLogEntry.objects.filter(action__startswith="membership.application.")
    }
    assert logged == {
        (applications.APPROVED_ACTION, str(approved.pk), staff, "承認します"),
        (applications.REVOKED_ACTION, str(approved.pk), staff, "ご本人の希望"),
        (applications.REJECTED_ACTION, str(rejected.pk), staff, "書類をお送りください"),
    }


def test_a_refused_decision_changes_and_logs_nothing(member, staff):
    application = submit(member)
    applications.cancel_application(member=member, application_id=application.pk)
    with pytest.raises(applications.ApplicationError, match="^この申請はすでに取下げです。$"):
        applications.approve_application(application_id=application.pk, user=staff)
    with pytest.raises(applications.ApplicationError, match="^この申請は取下げのため、承認取消はできません。$"):
        applications.revoke_approval(application_id=application.pk, user=staff, note="x")
    with pytest.raises(applications.ApplicationError, match="^この申請は取下げのため、取り下げできません。$"):
        applications.cancel_application(member=member, application_id=application.pk)
    application.refresh_from_db()
    assert application.state == State.CANCELLED
    entries = ModelLogEntry.objects.filter(object_id=str(application.pk), action__startswith="membership.application.")
    assert [entry.action for entry in entries] == [applications.CANCELLED_ACTION]
