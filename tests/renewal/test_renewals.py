"""Guide 7 (資格更新確認) and guide 14 (更新延長申請): who may apply, the secretariat's steps,
the fee through the one invoice mechanism, and the new expiry on the member card."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from membership.billing.invoices import close_invoice
from membership.billing.payments import record_manual_payment
from membership.models import Invoice, Member
from renewal import extensions, renewals
from renewal.models import (
    Credit,
    CreditCategory,
    ExtensionApplication,
    ExtensionProgramme,
    RenewalApplication,
    RenewalSettings,
)
from tests.factories import InvoiceFactory, MemberFactory, StaffUserFactory
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

State = RenewalApplication.State
RENEWAL_URLS = "wagtailsnippets_renewal_renewalapplication"
EXTENSION_URLS = "wagtailsnippets_renewal_extensionapplication"


def today():
    return timezone.localdate()


def give_points(member, points_per_category):
    """Certificate credits inside the member's cycle, {category name: points}."""
    for name, points in points_per_category.items():
        Credit.objects.create(
            member=member,
            credit_category=CreditCategory.objects.get(name=name),
            points=points,
            earned_on=member.certification_expires_on - datetime.timedelta(days=200),
            source=Credit.Source.CERTIFICATE,
            title="出席証明書",
        )


@pytest.fixture
def due_member(db):
    """Expires in three months (inside the 12-month window), 50 counted points, no unpaid dues."""
    member = MemberFactory(
        certification_number="G000123",
        certification_expires_on=today() + datetime.timedelta(days=90),
        joined_on=datetime.date(2000, 4, 1),
    )
    member.user.email = "due@example.jp"
    member.user.save()
    give_points(member, {"技師学会・研究会": 25, "機器講習会": 10, "医学・その他セミナー": 20})
    return member


@pytest.fixture
def staff(db):
    user = StaffUserFactory(username="jimu-renewal")
    user.groups.add(Group.objects.get(name="事務局"))
    return user


@pytest.fixture
def mails_sent(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_member_with_points_and_no_dues_may_apply(due_member):
    status = renewals.renewal_status(due_member)
    assert status.can_apply, status.reasons
    assert status.evaluation.total == 50


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda m: InvoiceFactory(member=m, fiscal_year=2025), "未納の年会費があります(2025年度)"),
        (lambda m: Credit.objects.filter(member=m, points=10).delete(), "点数が不足しています(総得点 40 / 50点)"),
        (lambda m: Member.objects.filter(pk=m.pk).update(certification_expires_on=today() + datetime.timedelta(days=500)), "から受け付けます"),
        (lambda m: Member.objects.filter(pk=m.pk).update(status=Member.Status.ON_LEAVE), "休会のため申請できません"),
    ],
    ids=["unpaid dues", "points short", "window not open", "on leave"],
)  # fmt: skip
def test_the_page_says_why_a_member_cannot_apply(client, due_member, change, reason):
    change(due_member)
    due_member.refresh_from_db()
    client.force_login(due_member.user)
    page = client.get(reverse("renewal:renewal")).text
    assert reason in page
    assert reverse("renewal:renewal_apply") not in page
    with pytest.raises(renewals.RenewalError):
        renewals.submit_renewal(member=due_member)


def test_caps_count_per_category(due_member):
    give_points(due_member, {"機器講習会": 30})  # 40 in 機器講習会, capped at 10
    assert renewals.renewal_status(due_member).evaluation.total == 50


def test_the_whole_renewal(client, due_member, staff, mails_sent):
    client.force_login(due_member.user)
    assert "資格更新のお手続きをお願いします" in client.get(reverse("member:dashboard")).text
    confirm = client.get(reverse("renewal:renewal_apply")).text
    assert "申請する" in confirm and "50 / 50点" in confirm
    with mails_sent():
        client.post(reverse("renewal:renewal_apply"))
    application = due_member.renewal_applications.get()
    assert application.state == State.SUBMITTED
    assert "資格更新申請を受け付けました" in mail.outbox[-1].subject
    page = client.get(reverse("renewal:renewal")).text
    assert (
        "事務局確認中" in page
        and "資格更新のお手続きをお願いします" not in client.get(reverse("member:dashboard")).text
    )

    with mails_sent():
        renewals.approve_renewal(application_id=application.pk, user=staff)
    application.refresh_from_db()
    invoice = application.invoice
    assert (invoice.category, invoice.amount, invoice.status) == (Invoice.Category.RENEWAL_FEE, 10000, "unpaid")
    assert "更新料: 10,000円" in mail.outbox[-1].body
    page = client.get(reverse("renewal:renewal")).text
    assert "申請確認完了" in page and reverse("member:payment_start", args=[invoice.pk]) in page

    with pytest.raises(renewals.RenewalError, match="入金が確認できていない"):
        renewals.issue_card(application_id=application.pk, user=staff)
    record_manual_payment(
        invoice_id=invoice.pk, channel=Invoice.Channel.TRANSFER, paid_on=today(), amount=invoice.amount
    )
    page = client.get(reverse("renewal:renewal")).text
    assert "入金" in page and "会員証発行処理中" in page

    with mails_sent():
        renewals.issue_card(application_id=application.pk, user=staff)
    due_member.refresh_from_db()
    assert due_member.certification_expires_on == application.new_expires_on
    assert application.new_expires_on.year == application.expires_on.year + 5
    assert "会員証を発行しました" in mail.outbox[-1].subject
    page = client.get(reverse("renewal:renewal")).text
    assert "会員証発行済" in page
    card = client.get(reverse("member:card")).text
    assert f"{application.new_expires_on.year}年" in card
    entry = ModelLogEntry.objects.get(action=renewals.EXPIRY_CHANGED_ACTION)
    assert entry.user == staff and entry.object_id == str(due_member.pk)


def test_one_renewal_per_cycle(due_member):
    renewals.submit_renewal(member=due_member)
    with pytest.raises(renewals.RenewalError, match="すでにあります"):
        renewals.submit_renewal(member=due_member)


def test_rejection_needs_a_reason_and_allows_a_new_application(due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    with pytest.raises(renewals.RenewalError, match="理由"):
        renewals.reject_renewal(application_id=application.pk, user=staff, note=" ")
    renewals.reject_renewal(application_id=application.pk, user=staff, note="証明書の原本を確認させてください")
    assert not Invoice.objects.filter(category=Invoice.Category.RENEWAL_FEE).exists()
    renewals.submit_renewal(member=due_member)


def test_the_member_may_take_back_an_undecided_application(client, due_member):
    application = renewals.submit_renewal(member=due_member)
    client.force_login(due_member.user)
    client.post(reverse("renewal:renewal_cancel", args=[application.pk]))
    application.refresh_from_db()
    assert application.state == State.CANCELLED
    other = renewals.submit_renewal(member=due_member)
    client.force_login(MemberFactory().user)
    assert client.post(reverse("renewal:renewal_cancel", args=[other.pk])).status_code == 404


def test_the_fee_follows_the_settings(due_member, staff):
    rules = RenewalSettings.load()
    rules.renewal_fee = 12000
    rules.save()
    application = renewals.submit_renewal(member=due_member)
    renewals.approve_renewal(application_id=application.pk, user=staff)
    application.refresh_from_db()
    assert application.invoice.amount == 12000


def test_month_ends_are_kept():
    assert renewals.add_months(datetime.date(2028, 2, 29), 12) == datetime.date(2029, 2, 28)
    assert renewals.add_months(datetime.date(2028, 3, 31), 60) == datetime.date(2033, 3, 31)
    assert renewals.add_months(datetime.date(2028, 4, 30), 1) == datetime.date(2028, 5, 31)
    assert renewals.add_months(datetime.date(2028, 3, 15), -12) == datetime.date(2027, 3, 15)


# --- the secretariat's screens -----------------------------------------------------------------


def test_the_secretariat_approves_and_issues_in_the_admin(client, due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    log_in_staff(client, staff)
    listing = client.get(reverse(f"{RENEWAL_URLS}:list")).text
    assert due_member.member_number in listing
    inspect = client.get(reverse(f"{RENEWAL_URLS}:inspect", args=[application.pk])).text
    assert reverse(f"{RENEWAL_URLS}:approve", args=[application.pk]) in inspect
    client.post(reverse(f"{RENEWAL_URLS}:approve", args=[application.pk]), {"note": ""})
    application.refresh_from_db()
    assert application.state == State.APPROVED
    blocked = client.get(reverse(f"{RENEWAL_URLS}:issue", args=[application.pk])).text
    assert "更新料の入金が確認できていないため" in blocked
    record_manual_payment(
        invoice_id=application.invoice_id, channel=Invoice.Channel.COUNTER, paid_on=today(), amount=10000
    )
    client.post(reverse(f"{RENEWAL_URLS}:issue", args=[application.pk]), {})
    application.refresh_from_db()
    assert application.state == State.ISSUED
    history = client.get(reverse(f"{RENEWAL_URLS}:history", args=[application.pk])).text
    assert "申請確認完了にしました" in history and "会員証を発行しました" in history


def test_editors_see_no_renewals(client, due_member):
    application = renewals.submit_renewal(member=due_member)
    editor = StaffUserFactory(username="editor-renewal")
    editor.groups.add(Group.objects.get(name="編集者"))
    log_in_staff(client, editor)
    for url in (
        reverse(f"{RENEWAL_URLS}:list"),
        reverse(f"{RENEWAL_URLS}:inspect", args=[application.pk]),
        reverse(f"{RENEWAL_URLS}:approve", args=[application.pk]),
    ):
        assert client.get(url).status_code in (302, 403), url
    client.post(reverse(f"{RENEWAL_URLS}:approve", args=[application.pk]), {"note": ""})
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


# --- extensions (guide 14) ---------------------------------------------------------------------


@pytest.fixture
def programme(due_member):
    due_member.home_prefecture = "石川県"
    due_member.save()
    return ExtensionProgramme.objects.create(
        name="能登半島地震に伴う更新延長措置",
        prefectures="石川県、富山県",
        expires_from=today(),
        expires_until=today() + datetime.timedelta(days=365),
        extension_months=12,
        applications_close_on=today() + datetime.timedelta(days=30),
    )


def test_only_covered_members_see_the_extension(client, due_member, programme):
    client.force_login(due_member.user)
    assert "更新延長申請" in client.get(reverse("member:dashboard")).text
    assert client.get(reverse("renewal:extension")).status_code == 200
    outsider = MemberFactory(home_prefecture="東京都", certification_expires_on=due_member.certification_expires_on)
    client.force_login(outsider.user)
    assert reverse("renewal:extension") not in client.get(reverse("member:dashboard")).text
    assert client.get(reverse("renewal:extension")).status_code == 404
    with pytest.raises(renewals.RenewalError, match="対象ではない"):
        extensions.submit_extension(member=outsider, programme_id=programme.pk, reason="被災のため")


def test_an_approved_extension_moves_the_expiry_on(client, due_member, programme, staff, mails_sent):
    client.force_login(due_member.user)
    before = due_member.certification_expires_on
    client.post(reverse("renewal:extension"), {"programme": programme.pk, "reason": "勤務先が被災したため"})
    application = ExtensionApplication.objects.get(member=due_member)
    with mails_sent():
        extensions.approve_extension(application_id=application.pk, user=staff)
    due_member.refresh_from_db()
    assert due_member.certification_expires_on == renewals.add_months(before, 12)
    assert f"{due_member.certification_expires_on:%Y年%-m月%-d日}" in mail.outbox[-1].body
    with pytest.raises(renewals.RenewalError, match="すでに"):
        extensions.approve_extension(application_id=application.pk, user=staff)


def test_an_extension_waits_for_a_renewal_in_progress(due_member, programme, staff):
    application = renewals.submit_renewal(member=due_member)
    renewals.approve_renewal(application_id=application.pk, user=staff)
    with pytest.raises(renewals.RenewalError, match="資格更新申請の手続き中"):
        extensions.submit_extension(member=due_member, programme_id=programme.pk, reason="被災のため")


def test_an_extension_applied_before_the_renewal_cannot_then_be_approved(due_member, programme, staff):
    extension = extensions.submit_extension(member=due_member, programme_id=programme.pk, reason="被災のため")
    renewals.submit_renewal(member=due_member)
    with pytest.raises(renewals.RenewalError, match="資格更新申請の手続き中"):
        extensions.approve_extension(application_id=extension.pk, user=staff)


def test_the_page_keeps_showing_an_application_after_the_expiry_changed(client, due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    Member.objects.filter(pk=due_member.pk).update(
        certification_expires_on=due_member.certification_expires_on + datetime.timedelta(days=30)
    )
    due_member.refresh_from_db()
    status = renewals.renewal_status(due_member)
    assert status.application == application and not status.can_apply
    with pytest.raises(renewals.RenewalError, match="すでにあります"):
        renewals.submit_renewal(member=due_member)
    with pytest.raises(renewals.RenewalError, match="有効期限が変更されています"):
        renewals.approve_renewal(application_id=application.pk, user=staff)
    assert not Invoice.objects.filter(category=Invoice.Category.RENEWAL_FEE).exists()


def test_approval_is_refused_for_a_member_who_withdrew_meanwhile(due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    Member.objects.filter(pk=due_member.pk).update(status=Member.Status.WITHDRAWN)
    with pytest.raises(renewals.RenewalError, match="退会"):
        renewals.approve_renewal(application_id=application.pk, user=staff)


def test_withdrawn_members_are_not_covered_by_an_extension(due_member, programme):
    Member.objects.filter(pk=due_member.pk).update(status=Member.Status.WITHDRAWN)
    due_member.refresh_from_db()
    assert extensions.extension_programmes_for(due_member) == []


def test_a_rejection_reason_stays_on_the_page(client, due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    renewals.reject_renewal(application_id=application.pk, user=staff, note="出席証明書の原本をお送りください")
    client.force_login(due_member.user)
    assert "出席証明書の原本をお送りください" in client.get(reverse("renewal:renewal")).text


def test_a_cancelled_fee_invoice_is_not_offered_for_payment(client, due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    renewals.approve_renewal(application_id=application.pk, user=staff)
    application.refresh_from_db()
    close_invoice(invoice_id=application.invoice_id, status=Invoice.Status.CANCELLED, reason="誤請求")
    client.force_login(due_member.user)
    page = client.get(reverse("renewal:renewal")).text
    assert "更新料の請求が取り消されています" in page
    assert reverse("member:payment_start", args=[application.invoice_id]) not in page


def test_an_approved_unpaid_renewal_can_be_sent_back_and_its_fee_is_cancelled(client, due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    renewals.approve_renewal(application_id=application.pk, user=staff)
    log_in_staff(client, staff)
    inspect = client.get(reverse(f"{RENEWAL_URLS}:inspect", args=[application.pk])).text
    assert reverse(f"{RENEWAL_URLS}:reject", args=[application.pk]) in inspect
    client.post(
        reverse(f"{RENEWAL_URLS}:reject", args=[application.pk]), {"note": "有効期限を訂正したため再申請してください"}
    )
    application.refresh_from_db()
    assert application.state == State.REJECTED
    assert application.invoice.status == Invoice.Status.CANCELLED
    renewals.submit_renewal(member=due_member)  # the member may apply again


def test_a_paid_renewal_cannot_be_sent_back(due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    renewals.approve_renewal(application_id=application.pk, user=staff)
    application.refresh_from_db()
    record_manual_payment(
        invoice_id=application.invoice_id, channel=Invoice.Channel.TRANSFER, paid_on=today(), amount=10000
    )
    with pytest.raises(renewals.RenewalError, match="会員証を発行してください"):
        renewals.reject_renewal(application_id=application.pk, user=staff, note="x")


def test_no_card_for_a_member_who_withdrew_after_paying(due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    renewals.approve_renewal(application_id=application.pk, user=staff)
    application.refresh_from_db()
    record_manual_payment(
        invoice_id=application.invoice_id, channel=Invoice.Channel.TRANSFER, paid_on=today(), amount=10000
    )
    Member.objects.filter(pk=due_member.pk).update(status=Member.Status.WITHDRAWN)
    with pytest.raises(renewals.RenewalError, match="退会のため"):
        renewals.issue_card(application_id=application.pk, user=staff)


def test_no_renewal_notice_while_an_application_made_before_an_expiry_change_is_open(client, due_member):
    renewals.submit_renewal(member=due_member)
    Member.objects.filter(pk=due_member.pk).update(
        certification_expires_on=due_member.certification_expires_on + datetime.timedelta(days=10)
    )
    client.force_login(due_member.user)
    assert "資格更新のお手続きをお願いします" not in client.get(reverse("member:dashboard")).text


def test_the_admin_dashboard_shows_what_waits_for_the_secretariat(client, due_member, staff):
    application = renewals.submit_renewal(member=due_member)
    log_in_staff(client, staff)
    page = client.get(reverse("wagtailadmin_home")).text
    assert "資格更新申請(事務局確認中)" in page and "<strong>1件</strong>" in page
    renewals.approve_renewal(application_id=application.pk, user=staff)
    application.refresh_from_db()
    record_manual_payment(
        invoice_id=application.invoice_id, channel=Invoice.Channel.TRANSFER, paid_on=today(), amount=10000
    )
    page = client.get(reverse("wagtailadmin_home")).text
    listing = f"{reverse(f'{RENEWAL_URLS}:list')}?state=approved&amp;fee_paid=true"
    assert listing in page
    assert (
        due_member.member_number in client.get(f"{reverse(f'{RENEWAL_URLS}:list')}?state=approved&fee_paid=true").text
    )
    editor = StaffUserFactory(username="editor-panel")
    editor.groups.add(Group.objects.get(name="編集者"))
    log_in_staff(client, editor)
    assert "資格更新申請(事務局確認中)" not in client.get(reverse("wagtailadmin_home")).text


def test_the_members_admin_page_shows_everything_about_the_member(client, due_member, staff):
    """The secretariat's one view of a member: invoices, applications, seminars, credits, renewals."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    renewals.submit_renewal(member=due_member)
    InvoiceFactory(member=due_member, fiscal_year=2025)
    log_in_staff(client, staff)
    url = reverse("wagtailsnippets_membership_member:inspect", args=[due_member.pk])
    page = client.get(url).text
    for heading in (
        "請求(新しい順に10件)",
        "各種申請",
        "学会・セミナー参加申込",
        "受講履歴(新しい順に10件)",
        "資格更新申請",
    ):
        assert heading in page, heading
    assert "総得点 50 / 50点" in page and "更新可" in page
    assert "2025年度" in page and "事務局確認中" in page
    # The number of queries does not grow with the member's history.
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for year in range(2015, 2025):
        InvoiceFactory(member=due_member, fiscal_year=year)
    give_points(due_member, {"機器講習会": 1, "技師学会・研究会": 2})
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_editors_see_no_member_sections(client, due_member):
    editor = StaffUserFactory(username="editor-sections")
    editor.groups.add(Group.objects.get(name="編集者"))
    log_in_staff(client, editor)
    response = client.get(reverse("wagtailsnippets_membership_member:inspect", args=[due_member.pk]))
    assert response.status_code in (302, 403)
