"""The staff's money screens in the Wagtail admin: invoices, dues generation, reminders,
payments and gateway notifications, the dashboard panel, and who may see them."""

import csv
import datetime
import io
import threading

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wagtail.models import ModelLogEntry

from core.dates import current_fiscal_year
from membership.billing.invoices import close_invoice, create_invoice
from membership.billing.payments import record_manual_payment
from membership.billing.receipts import issue_receipt
from membership.billing.reminders import plan_dues_reminders
from membership.billing.tasks import send_dues_reminders_task
from membership.models import DuesRule, GatewayNotification, Invoice, Member, Payment
from tests.factories import InvoiceFactory, MemberFactory, StaffUserFactory, user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

INVOICES = "wagtailsnippets_membership_invoice"
PAYMENTS = "wagtailsnippets_membership_payment"
NOTIFICATIONS = "wagtailsnippets_membership_gatewaynotification"
DUES_RULES = "wagtailsnippets_membership_duesrule"
PAID_ON = datetime.date(2025, 5, 1)


def member(number, family, given, kana_family, kana_given, **kwargs):
    return MemberFactory(
        user__username=number,
        family_name=family,
        given_name=given,
        family_name_kana=kana_family,
        given_name_kana=kana_given,
        **kwargs,
    )


@pytest.fixture
def ledger(db):
    """Two members with dues and a seminar fee, one year paid by hand."""
    sato = member("0040001", "佐藤", "健一", "サトウ", "ケンイチ")
    suzuki = member("0040002", "鈴木", "美咲", "スズキ", "ミサキ")
    invoices = {
        "sato_2024": InvoiceFactory(member=sato, fiscal_year=2024),
        "sato_2025": InvoiceFactory(member=sato, fiscal_year=2025),
        "suzuki_2025": InvoiceFactory(member=suzuki, fiscal_year=2025),
        "suzuki_seminar": create_invoice(
            member=suzuki,
            category=Invoice.Category.SEMINAR_FEE,
            fiscal_year=2025,
            subject="seminar:1",
            amount=3000,
        ),
    }
    record_manual_payment(
        invoice_id=invoices["sato_2025"].pk, channel=Invoice.Channel.YUCHO, paid_on=PAID_ON, notify=False
    )
    return invoices


def listed(client, **params):
    response = client.get(reverse(f"{INVOICES}:list"), params)
    assert response.status_code == 200
    return {invoice.pk for invoice in response.context["object_list"]}


def ids(ledger, *names):
    return {ledger[name].pk for name in names}


# --- invoice listing ---------------------------------------------------------------------------


def test_invoice_listing_columns(staff_client, ledger):
    body = staff_client.get(reverse(f"{INVOICES}:list")).content.decode()
    for heading in (
        "会員番号",
        "氏名",
        "年度",
        "区分",
        "金額",
        "状態",
        "入金日",
        "入金種別",
        "領収書番号",
        "最終督促日",
    ):
        assert f">{heading}" in body or heading in body
    assert "佐藤 健一" in body and "5,000円" in body and "2025/05/01" in body and "ゆうちょ" in body
    assert "2025-000001" in body
    # Rows open the inspect page; there is no edit form and no bulk deletion.
    assert reverse(f"{INVOICES}:inspect", args=[ledger["sato_2024"].pk]) in body
    assert reverse(f"{INVOICES}:edit", args=[ledger["sato_2024"].pk]) not in body
    assert "data-bulk-action-checkbox" not in body


def test_invoice_listing_filters(staff_client, ledger):
    assert listed(staff_client) == ids(ledger, "sato_2024", "sato_2025", "suzuki_2025", "suzuki_seminar")
    assert listed(staff_client, fiscal_year=2024) == ids(ledger, "sato_2024")
    assert listed(staff_client, category="seminar_fee") == ids(ledger, "suzuki_seminar")
    assert listed(staff_client, status="unpaid") == ids(ledger, "sato_2024", "suzuki_2025", "suzuki_seminar")
    assert listed(staff_client, status="paid") == ids(ledger, "sato_2025")
    assert listed(staff_client, channel="yucho") == ids(ledger, "sato_2025")
    assert listed(staff_client, fiscal_year=2025, category="dues", status="unpaid") == ids(ledger, "suzuki_2025")


def test_invoice_listing_search(staff_client, ledger):
    sato = ids(ledger, "sato_2024", "sato_2025")
    assert listed(staff_client, q="0040001") == sato
    assert listed(staff_client, q="佐藤") == sato
    assert listed(staff_client, q="佐藤 健一") == sato
    assert listed(staff_client, q="佐藤健一") == sato
    assert listed(staff_client, q="サトウ") == sato
    assert listed(staff_client, q="さとう") == sato  # hiragana finds the katakana furigana
    assert listed(staff_client, q="００４０００２") == ids(ledger, "suzuki_2025", "suzuki_seminar")
    assert listed(staff_client, q="2025-000001") == ids(ledger, "sato_2025")
    assert listed(staff_client, q="存在しない") == set()


def test_invoice_csv_export(staff_client, ledger):
    close_invoice(invoice_id=ledger["suzuki_seminar"].pk, status="exempt", reason="=講師のため")
    response = staff_client.get(reverse(f"{INVOICES}:list"), {"export": "csv", "fiscal_year": 2025})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][:11] == [
        "会員番号",
        "氏名(姓)",
        "氏名(名)",
        "年度",
        "区分",
        "金額(円)",
        "状態",
        "入金日",
        "入金額(円)",
        "入金種別",
        "領収書番号",
    ]
    by_key = {(row[0], row[4]): row for row in rows[1:]}
    assert len(rows) == 4
    assert by_key[("0040001", "会費")][3:11] == [
        "2025",
        "会費",
        "5000",
        "入金済",
        "2025-05-01",
        "5000",
        "ゆうちょ",
        "2025-000001",
    ]
    assert by_key[("0040002", "会費")][6] == "未納"
    exempt = by_key[("0040002", "参加費")]
    assert exempt[6] == "免除"
    assert exempt[11] == "'=講師のため"  # never a spreadsheet formula


def test_invoice_xlsx_export(staff_client, ledger):
    response = staff_client.get(reverse(f"{INVOICES}:list"), {"export": "xlsx", "status": "paid"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "会員番号" and rows[0][10] == "領収書番号"
    assert rows[1][0] == "0040001" and rows[1][10] == "2025-000001"
    assert len(rows) == 2


def test_invoice_edit_url_shows_the_inspect_page_and_nothing_can_be_deleted(client, staff_client, ledger):
    invoice = ledger["suzuki_2025"]
    inspect_url = reverse(f"{INVOICES}:inspect", args=[invoice.pk])
    response = staff_client.get(reverse(f"{INVOICES}:edit", args=[invoice.pk]))
    assert response.status_code == 302 and response.url == inspect_url
    response = staff_client.post(reverse(f"{INVOICES}:edit", args=[invoice.pk]), {"amount": 1})
    assert response.status_code == 302 and response.url == inspect_url
    invoice.refresh_from_db()
    assert invoice.amount == 5000

    body = staff_client.get(inspect_url).content.decode()
    assert "入金を記録" in body and "免除" in body and "取消" in body
    assert reverse(f"{INVOICES}:pay", args=[invoice.pk]) in body

    # Not even a superuser deletes an invoice.
    admin = StaffUserFactory(is_superuser=True)
    log_in_staff(client, admin)
    response = client.post(reverse(f"{INVOICES}:delete", args=[invoice.pk]))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_invoice_inspect_page_tells_when_the_receipt_was_issued(staff_client, ledger):
    invoice = Invoice.objects.get(pk=ledger["sato_2025"].pk)
    inspect_url = reverse(f"{INVOICES}:inspect", args=[invoice.pk])
    assert f"{invoice.receipt_number}(領収書は未発行)" in staff_client.get(inspect_url).content.decode()
    issued = issue_receipt(invoice)
    issued_at = f"{timezone.localtime(issued.issued_at):%Y/%m/%d %H:%M}"
    body = staff_client.get(inspect_url).content.decode()
    assert f"{invoice.receipt_number}(領収書の発行日時 {issued_at})" in body


# --- actions on an invoice ---------------------------------------------------------------------


def history_of(invoice):
    return list(ModelLogEntry.objects.for_instance(invoice).order_by("timestamp"))


def test_record_payment_marks_paid_with_a_receipt_number_and_logs_who(
    staff_client, staff_user, ledger, django_capture_on_commit_callbacks
):
    invoice = ledger["suzuki_2025"]
    url = reverse(f"{INVOICES}:pay", args=[invoice.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert "入金を記録する" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url, {"channel": "transfer", "paid_on": "2025-06-02", "note": "振込名義 スズキミサキ"}
        )
    assert response.status_code == 302
    assert response.url == reverse(f"{INVOICES}:inspect", args=[invoice.pk])
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_on == datetime.date(2025, 6, 2)
    assert invoice.channel == Invoice.Channel.TRANSFER
    assert invoice.receipt_number == "2025-000002"
    assert invoice.note == "振込名義 スズキミサキ"
    [entry] = history_of(invoice)
    assert entry.action == "membership.invoice.paid_manually"
    assert entry.user == staff_user
    assert entry.data["receipt_number"] == "2025-000002"
    assert [message.to for message in mail.outbox] == [[invoice.member.user.email]]

    history = staff_client.get(reverse(f"{INVOICES}:history", args=[invoice.pk])).content.decode()
    assert "入金を記録しました: 振込 2025/06/02 5,000円 領収書番号 2025-000002" in history
    assert "jimu-suzuki" in history


def test_record_payment_in_the_admin_goes_through_the_paid_invoice_rule(
    staff_client, staff_user, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    from membership.billing import invoices

    calls = []
    original = invoices.mark_invoice_paid

    def spy(invoice, **kwargs):
        calls.append((invoice.pk, kwargs))
        return original(invoice, **kwargs)

    monkeypatch.setattr(invoices, "mark_invoice_paid", spy)
    invoice = ledger["suzuki_2025"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse(f"{INVOICES}:pay", args=[invoice.pk]), {"channel": "counter", "paid_on": "2025-06-03"}
        )
    assert response.status_code == 302
    assert calls == [
        (invoice.pk, {"paid_on": datetime.date(2025, 6, 3), "amount": 5000, "channel": "counter", "notify": True})
    ]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.channel, invoice.receipt_number) == (Invoice.Status.PAID, "counter", "2025-000002")
    [entry] = history_of(invoice)
    assert (entry.action, entry.user) == ("membership.invoice.paid_manually", staff_user)
    assert entry.data["receipt_number"] == "2025-000002"
    assert [message.to for message in mail.outbox] == [[invoice.member.user.email]]


def test_record_payment_needs_a_channel_and_no_future_date(staff_client, ledger):
    invoice = ledger["suzuki_2025"]
    url = reverse(f"{INVOICES}:pay", args=[invoice.pk])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    body = staff_client.post(url, {"paid_on": tomorrow.isoformat()}).content.decode()
    assert "入金種別を選んでください。" in body
    assert "入金日に未来の日付は指定できません。" in body
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID


def test_exempt_needs_a_reason(staff_client, ledger):
    invoice = ledger["suzuki_2025"]
    response = staff_client.post(reverse(f"{INVOICES}:exempt", args=[invoice.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert "理由を入力してください。" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID
    assert history_of(invoice) == []


def test_exempt_with_a_reason_is_logged(staff_client, staff_user, ledger):
    invoice = ledger["suzuki_2025"]
    response = staff_client.post(reverse(f"{INVOICES}:exempt", args=[invoice.pk]), {"reason": "災害による免除"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.EXEMPT
    assert invoice.status_reason == "災害による免除"
    [entry] = history_of(invoice)
    assert entry.action == "membership.invoice.exempted"
    assert entry.user == staff_user
    assert entry.data["reason"] == "災害による免除"
    history = staff_client.get(reverse(f"{INVOICES}:history", args=[invoice.pk])).content.decode()
    assert "免除にしました: 理由「災害による免除」" in history


def test_cancel_unpaid_invoice(staff_client, ledger):
    invoice = ledger["suzuki_seminar"]
    response = staff_client.post(reverse(f"{INVOICES}:cancel", args=[invoice.pk]), {"reason": "申込の取消"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED
    assert [entry.action for entry in history_of(invoice)] == ["membership.invoice.cancelled"]


def test_paid_invoice_cannot_be_cancelled(staff_client, ledger):
    invoice = ledger["sato_2025"]
    url = reverse(f"{INVOICES}:cancel", args=[invoice.pk])
    page = staff_client.get(url).content.decode()
    assert "この請求は入金済です。" in page
    assert "取消にする" not in page  # no button to press
    response = staff_client.post(url, {"reason": "間違い"})
    assert response.status_code == 200
    assert "この請求は入金済です。変更できません。" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert history_of(invoice) == []
    # And the row's menu offers no action for it.
    body = staff_client.get(reverse(f"{INVOICES}:list")).content.decode()
    assert url not in body
    assert reverse(f"{INVOICES}:cancel", args=[ledger["suzuki_2025"].pk]) in body


def test_invoice_with_an_open_convenience_store_payment_shows_why_it_cannot_be_closed(staff_client, ledger):
    invoice = ledger["suzuki_2025"]
    Payment.objects.create(
        invoice=invoice, method=Payment.Method.CVS, order_id="D2025-X", amount=5000, status=Payment.Status.AWAITING
    )
    response = staff_client.post(reverse(f"{INVOICES}:exempt", args=[invoice.pk]), {"reason": "免除"})
    assert "コンビニ支払待ちの決済があります。" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID


def test_staff_create_a_one_off_invoice(staff_client, staff_user, ledger):
    url = reverse(f"{INVOICES}:add")
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url, {"member_number": "４００４１", "category": "seminar_fee", "fiscal_year": 2025, "amount": 8000}
    )
    assert response.status_code == 200  # no such member
    assert "会員番号 0040041 の会員が見つかりません。" in response.content.decode()

    # Excel dropped the zeros: 40001 is member 0040001, as in every import.
    response = staff_client.post(
        url, {"member_number": "４０００１", "category": "seminar_fee", "fiscal_year": 2025, "amount": 8000}
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get(amount=8000)
    assert invoice.member.member_number == "0040001" and invoice.status == Invoice.Status.UNPAID
    assert invoice.subject.startswith("manual:")
    [entry] = history_of(invoice)
    assert entry.action == "membership.invoice.created_manually" and entry.user == staff_user

    # Dues of a year are billed once.
    response = staff_client.post(
        url, {"member_number": "0040001", "category": "dues", "fiscal_year": 2024, "amount": 5000}
    )
    assert "この会員には2024年度の会費の請求がすでにあります。" in response.content.decode()
    assert Invoice.objects.filter(member__member_number="0040001", fiscal_year=2024).count() == 1


# --- dues generation ---------------------------------------------------------------------------


@pytest.fixture
def roll(db):
    """Three active members, one on leave and one withdrawn; dues rule only for 正会員."""
    joined = {"joined_on": datetime.date(2020, 4, 1)}
    members = [member(f"005000{i}", "田中", f"一郎{i}", "タナカ", "イチロウ", **joined) for i in range(1, 4)]
    members.append(member("0050004", "休井", "花子", "ヤスイ", "ハナコ", status=Member.Status.ON_LEAVE, **joined))
    members.append(member("0050005", "辞田", "次郎", "ヤメダ", "ジロウ", status=Member.Status.WITHDRAWN, **joined))
    member("0050006", "新井", "六郎", "アライ", "ロクロウ", joined_on=datetime.date(2026, 4, 1))
    DuesRule.objects.create(fiscal_year=2025, member_status=Member.Status.ACTIVE, amount=5000)
    return members


def generate_url(year=None):
    url = reverse("dues_admin:generate")
    return f"{url}?fiscal_year={year}" if year else url


def skipped_of(response):
    return {row["reason"]: (row["count"], row["examples"]) for row in response.context["skipped"]}


def test_dues_generation_twice_bills_once(staff_client, staff_user, roll):
    preview = staff_client.get(generate_url(2025))
    assert preview.status_code == 200
    assert preview.context["roll"].count == 3
    assert preview.context["roll"].total_yen == 15000
    assert skipped_of(preview) == {
        "休会(会費設定なし)": (1, ["0050004"]),
        "退会(会費設定なし)": (1, ["0050005"]),
        "年度末より後の入会": (1, ["0050006"]),
    }
    body = preview.content.decode()
    assert "15,000円" in body and "休会(会費設定なし)" in body and "0050004" in body
    assert "2025年度の会費を3名に請求する" in body

    response = staff_client.post(reverse("dues_admin:generate"), {"fiscal_year": 2025})
    assert response.status_code == 302 and response.url == generate_url(2025)
    invoices = Invoice.objects.filter(fiscal_year=2025, category=Invoice.Category.DUES)
    assert sorted(invoices.values_list("member__member_number", flat=True)) == ["0050001", "0050002", "0050003"]
    assert set(invoices.values_list("amount", "status")) == {(5000, "unpaid")}

    again = staff_client.get(generate_url(2025), follow=False)
    assert again.context["roll"].count == 0
    assert skipped_of(again)["請求済"][0] == 3
    assert "新しく請求する会員はいません" in again.content.decode()
    staff_client.post(reverse("dues_admin:generate"), {"fiscal_year": 2025})
    assert invoices.count() == 3

    rule = DuesRule.objects.get(fiscal_year=2025)
    entries = list(ModelLogEntry.objects.for_instance(rule).filter(action="membership.dues.generated"))
    assert [(entry.user, entry.data["created"]) for entry in entries] == [(staff_user, 0), (staff_user, 3)]


def test_dues_generation_says_when_the_year_has_no_rule(staff_client, roll):
    response = staff_client.get(generate_url(2026))
    body = response.content.decode()
    assert "2026年度の会費設定がありません。" in body
    add_rule = reverse(f"{DUES_RULES}:add") + "?fiscal_year=2026"
    assert add_rule in body
    assert response.context["roll"].count == 0
    assert skipped_of(response)["正会員(会費設定なし)"][0] == 4
    staff_client.post(reverse("dues_admin:generate"), {"fiscal_year": 2026})
    assert not Invoice.objects.filter(fiscal_year=2026).exists()

    # The link opens the dues rule form with the year filled in.
    form = staff_client.get(add_rule)
    assert form.status_code == 200
    assert 'value="2026"' in form.content.decode()


def test_dues_generation_defaults_to_the_current_fiscal_year(staff_client, roll):
    assert staff_client.get(generate_url()).context["fiscal_year"] == current_fiscal_year()


# --- reminders ---------------------------------------------------------------------------------


@pytest.fixture
def arrears(db):
    owes_two = member("0060001", "遅井", "一", "オソイ", "ハジメ", user__email="osoi@example.jp")
    owes_one = member("0060002", "未田", "二郎", "ミダ", "ジロウ", user__email="mida@example.jp")
    paid_up = member("0060003", "済木", "三郎", "スミキ", "サブロウ", user__email="sumiki@example.jp")
    no_mail = member("0060004", "無井", "四郎", "ムイ", "シロウ", user__email="")
    invoices = {
        "two_2023": InvoiceFactory(member=owes_two, fiscal_year=2023),
        "two_2024": InvoiceFactory(member=owes_two, fiscal_year=2024, amount=6000),
        "one_2024": InvoiceFactory(member=owes_one, fiscal_year=2024),
        "one_2022": InvoiceFactory(member=owes_one, fiscal_year=2022),
        "paid_2024": InvoiceFactory(member=paid_up, fiscal_year=2024),
        "nomail_2024": InvoiceFactory(member=no_mail, fiscal_year=2024),
        "two_seminar": create_invoice(
            member=owes_two, category="seminar_fee", fiscal_year=2024, subject="seminar:9", amount=2000
        ),
    }
    record_manual_payment(invoice_id=invoices["paid_2024"].pk, channel="counter", paid_on=PAID_ON, notify=False)
    close_invoice(invoice_id=invoices["one_2022"].pk, status="exempt", reason="休会中")
    return invoices


def test_reminder_preview_counts_members(staff_client, arrears):
    response = staff_client.get(reverse("dues_admin:reminders"), {"fiscal_year": 2023})
    plan = response.context["plan"]
    assert [letter.member_number for letter in plan.letters] == ["0060001"]
    response = staff_client.get(reverse("dues_admin:reminders"), {"fiscal_year": 2024})
    plan = response.context["plan"]
    assert [letter.member_number for letter in plan.letters] == ["0060001", "0060002"]
    assert plan.invoice_count == 3 and plan.total_yen == 16000
    assert [letter.member_number for letter in plan.without_email] == ["0060004"]
    body = response.content.decode()
    assert "2名に督促メールを送信する" in body
    assert "メールアドレスが登録されていない会員が1名います" in body and "0060004" in body


def test_reminder_sends_one_mail_per_member_with_the_unpaid_years(
    staff_client, staff_user, arrears, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("dues_admin:reminders"), {"fiscal_year": "2024", "expected_members": "2"})
    assert response.status_code == 302
    assert sorted(message.to[0] for message in mail.outbox) == ["mida@example.jp", "osoi@example.jp"]
    letter = next(message for message in mail.outbox if message.to == ["osoi@example.jp"])
    assert "遅井 一 様" in letter.body
    assert "2023年度 会費 : 5,000円" in letter.body
    assert "2024年度 会費 : 6,000円" in letter.body
    assert "合計             : 11,000円" in letter.body
    assert "参加費" not in letter.body and "2,000円" not in letter.body
    assert "/member/dues" in letter.body
    other = next(message for message in mail.outbox if message.to == ["mida@example.jp"])
    assert "2024年度" in other.body and "2022年度" not in other.body  # exempt is not owed

    reminded = {name for name, invoice in arrears.items() if Invoice.objects.get(pk=invoice.pk).last_reminded_at}
    assert reminded == {"two_2023", "two_2024", "one_2024"}
    entries = ModelLogEntry.objects.filter(action="membership.invoice.reminded")
    assert sorted(int(entry.object_id) for entry in entries) == sorted(
        arrears[name].pk for name in ("two_2023", "two_2024", "one_2024")
    )
    assert {entry.user_id for entry in entries} == {staff_user.pk}

    history = staff_client.get(reverse(f"{INVOICES}:history", args=[arrears["two_2024"].pk])).content.decode()
    assert "督促メールを送りました(osoi@example.jp / 未納 2023年度・2024年度)" in history
    listing = staff_client.get(reverse(f"{INVOICES}:list"), {"reminded": "yes"})
    assert {invoice.pk for invoice in listing.context["object_list"]} == {
        arrears[name].pk for name in ("two_2023", "two_2024", "one_2024")
    }
    assert f"{timezone.localdate():%Y/%m/%d}" in listing.content.decode()

    again = staff_client.get(reverse("dues_admin:reminders"), {"fiscal_year": 2024}).content.decode()
    assert "本日すでに督促メールを送っています" in again


def test_reminder_plan_is_one_query(arrears, django_assert_num_queries):
    with django_assert_num_queries(1):
        plan = plan_dues_reminders()
    assert plan.member_count == 2


def post_reminder(client, year="2024"):
    return client.post(reverse("dues_admin:reminders"), {"fiscal_year": year, "expected_members": "2"}, follow=True)


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


def reminder_tasks():
    return DBTaskResult.objects.filter(task_path=send_dues_reminders_task.module_path)


def test_a_double_click_on_the_reminder_button_sends_the_mails_once(
    staff_client, arrears, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post_reminder(staff_client)
    with django_capture_on_commit_callbacks(execute=True):
        second = post_reminder(staff_client)
    assert sorted(message.to[0] for message in mail.outbox) == ["mida@example.jp", "osoi@example.jp"]
    assert ModelLogEntry.objects.filter(action="membership.invoice.reminded").count() == 3
    assert any("督促メールの送信を開始しました" in text for text in page_messages(first))
    [warning] = page_messages(second)
    assert "送ったばかりのため、送信しませんでした" in warning and "10分間" in warning
    # Another year's button mentions the same invoices (all of a member's unpaid dues): refused too.
    with django_capture_on_commit_callbacks(execute=True):
        post_reminder(staff_client, year="")
    assert len(mail.outbox) == 2


def test_reminding_again_is_possible_ten_minutes_later(staff_client, arrears, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_reminder(staff_client)
    Invoice.objects.update(last_reminded_at=timezone.now() - datetime.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_reminder(staff_client)
    assert any("督促メールの送信を開始しました" in text for text in page_messages(response))
    assert len(mail.outbox) == 4


def test_a_queued_reminder_blocks_a_second_one_until_the_worker_has_run_it(
    settings, staff_client, arrears, django_capture_on_commit_callbacks
):
    """As in production: the button queues the task for the worker; a double click queues it once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        post_reminder(staff_client)
        second = post_reminder(staff_client)
    assert reminder_tasks().count() == 1
    [warning] = page_messages(second)
    assert "督促メールの送信がまだ終わっていないため、送信しませんでした" in warning

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    queued = reminder_tasks().get()
    with django_capture_on_commit_callbacks(execute=True):
        queued.task.call(**queued.args_kwargs["kwargs"])  # what the worker does
    reminder_tasks().update(status=TaskResultStatus.SUCCESSFUL)
    assert sorted(message.to[0] for message in mail.outbox) == ["mida@example.jp", "osoi@example.jp"]
    with django_capture_on_commit_callbacks(execute=True):
        third = post_reminder(staff_client)
    assert "送ったばかりのため" in page_messages(third)[0]
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent requests need PostgreSQL")
def test_two_reminder_requests_at_the_same_time_queue_one_task(settings, arrears):
    """A double click's two requests, each in its own app process at once: one task is queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    staff = StaffUserFactory(is_superuser=True)
    barrier = threading.Barrier(2)
    statuses, errors = [], []

    def click():
        try:
            client = Client()
            log_in_staff(client, staff)
            barrier.wait(timeout=10)
            statuses.append(client.post(reverse("dues_admin:reminders"), {"fiscal_year": "2024"}).status_code)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert statuses == [302, 302]
    assert reminder_tasks().count() == 1


# --- payments and gateway notifications --------------------------------------------------------


def test_payment_listing_is_read_only(client, staff_client, ledger):
    invoice = ledger["suzuki_2025"]
    payment = Payment.objects.create(
        invoice=invoice,
        method=Payment.Method.CVS,
        order_id="D2025-0000002-ABCD",
        amount=5000,
        status=Payment.Status.AWAITING,
        cvs_code="10001",
        cvs_conf_no="4567",
        cvs_receipt_no="LW123456",
    )
    response = staff_client.get(reverse(f"{PAYMENTS}:list"), {"status": "awaiting"})
    body = response.content.decode()
    assert [p.pk for p in response.context["object_list"]] == [payment.pk]
    assert "D2025-0000002-ABCD" in body and "0040002 鈴木 美咲" in body and "ローソン" in body and "LW123456" in body
    assert staff_client.get(reverse(f"{PAYMENTS}:inspect", args=[payment.pk])).status_code == 200
    history = staff_client.get(reverse(f"{PAYMENTS}:history", args=[payment.pk]))
    assert history.status_code == 200
    assert reverse(f"{PAYMENTS}:inspect", args=[payment.pk]) in history.content.decode()
    export = staff_client.get(reverse(f"{PAYMENTS}:list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert rows[0][:3] == ["オーダーID", "会員番号", "氏名"]
    assert rows[1][:3] == ["D2025-0000002-ABCD", "0040002", "鈴木 美咲"] and "ローソン" in rows[1]
    for url in (reverse(f"{PAYMENTS}:add"), reverse(f"{PAYMENTS}:delete", args=[payment.pk])):
        response = staff_client.get(url)
        assert response.status_code == 302 and response.url == reverse("wagtailadmin_home"), url
    response = staff_client.post(reverse(f"{PAYMENTS}:edit", args=[payment.pk]), {"status": "paid"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING


def test_flagged_notification_can_be_marked_resolved(staff_client, staff_user):
    flagged = GatewayNotification.objects.create(
        body="ShopID=x&OrderID=D1", order_id="D1", status="CAPTURE", outcome="flagged", detail="金額が一致しません"
    )
    GatewayNotification.objects.create(body="b", order_id="D2", status="CAPTURE", outcome="applied")
    response = staff_client.get(reverse(f"{NOTIFICATIONS}:list"), {"outcome": "flagged", "resolved": "unresolved"})
    assert [n.pk for n in response.context["object_list"]] == [flagged.pk]
    assert "金額が一致しません" in response.content.decode()

    url = reverse(f"{NOTIFICATIONS}:resolve", args=[flagged.pk])
    assert url in staff_client.get(reverse(f"{NOTIFICATIONS}:inspect", args=[flagged.pk])).content.decode()
    response = staff_client.post(url, {"note": "GMO管理画面で確認、返金済"})
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.resolved_by == "jimu-suzuki" and flagged.resolved_at is not None
    [entry] = ModelLogEntry.objects.for_instance(flagged)
    assert entry.action == "membership.notification.resolved" and entry.user == staff_user
    assert entry.data == {"note": "GMO管理画面で確認、返金済"}

    response = staff_client.post(url, {"note": ""})
    assert "確認済みにしています" in response.content.decode()
    response = staff_client.get(reverse(f"{NOTIFICATIONS}:list"), {"outcome": "flagged", "resolved": "unresolved"})
    assert list(response.context["object_list"]) == []


# --- dashboard ---------------------------------------------------------------------------------


def test_dashboard_panel_shows_this_years_dues(staff_client, django_assert_max_num_queries):
    year = current_fiscal_year()
    invoices = [InvoiceFactory(fiscal_year=year) for _ in range(4)]
    InvoiceFactory(fiscal_year=year - 1)  # another year: not counted
    record_manual_payment(invoice_id=invoices[0].pk, channel="counter", paid_on=timezone.localdate(), notify=False)
    close_invoice(invoice_id=invoices[1].pk, status="cancelled", reason="重複")
    Payment.objects.create(
        invoice=invoices[2], method="cvs", order_id="D-awaiting", amount=5000, status=Payment.Status.AWAITING
    )
    GatewayNotification.objects.create(body="x", outcome="flagged")
    GatewayNotification.objects.create(body="y", outcome="flagged", resolved_by="someone", resolved_at=timezone.now())

    response = staff_client.get(reverse("wagtailadmin_home"))
    body = response.content.decode()
    assert f"{year}年度の会費" in body
    assert "<td>3件</td><td>15,000円</td>" in body  # billed: all but the cancelled one
    assert "<td>1件</td><td>5,000円</td>" in body  # paid
    assert "<td>2件</td><td>10,000円</td>" in body  # unpaid
    assert "コンビニ支払待ちの決済: 1件" in body
    assert "要確認の決済通知(未確認): 1件" in body
    assert f"{reverse(f'{PAYMENTS}:list')}?status=awaiting" in body
    assert f"{reverse(f'{NOTIFICATIONS}:list')}?outcome=flagged&amp;resolved=unresolved" in body
    assert f"{reverse(f'{INVOICES}:list')}?fiscal_year={year}&amp;category=dues&amp;status=unpaid" in body


# --- who may see it ----------------------------------------------------------------------------


def test_money_menu_for_staff(staff_client):
    body = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    for name in (
        "money",
        "invoices",
        "dues_generate",
        "dues_reminders",
        "payments",
        "gateway_notifications",
        "dues_rules",
    ):
        assert f'"name": "{name}"' in body


def test_editor_sees_no_money(client, ledger):
    editor = user_in("編集者")
    log_in_staff(client, editor)
    invoice = ledger["suzuki_2025"]
    urls = [
        reverse(f"{INVOICES}:list"),
        reverse(f"{INVOICES}:list") + "?export=csv",
        reverse(f"{INVOICES}:inspect", args=[invoice.pk]),
        reverse(f"{INVOICES}:pay", args=[invoice.pk]),
        reverse(f"{INVOICES}:add"),
        reverse(f"{PAYMENTS}:list"),
        reverse(f"{NOTIFICATIONS}:list"),
        reverse(f"{DUES_RULES}:list"),
        reverse("dues_admin:generate"),
        reverse("dues_admin:reminders"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("wagtailadmin_home"), url
    response = client.post(
        reverse(f"{INVOICES}:pay", args=[invoice.pk]), {"channel": "counter", "paid_on": "2025-06-01"}
    )
    assert response.status_code == 302
    response = client.post(reverse("dues_admin:generate"), {"fiscal_year": 2025})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert '"name": "money"' not in dashboard and "money-summary" not in dashboard


def test_staff_group_money_permissions():
    staff = Group.objects.get(name="事務局")
    codenames = set(staff.permissions.filter(content_type__app_label="membership").values_list("codename", flat=True))
    assert {
        "add_invoice",
        "change_invoice",
        "view_invoice",
        "add_duesrule",
        "change_duesrule",
        "view_duesrule",
    } <= codenames
    assert {"view_payment", "view_gatewaynotification", "change_gatewaynotification"} <= codenames
    assert not {"delete_invoice", "change_payment", "delete_payment"} & codenames


def test_large_dues_roll_runs_in_the_background_with_progress(
    staff_client, roll, monkeypatch, django_capture_on_commit_callbacks
):
    from membership.billing import dues
    from membership.models import DuesRun

    monkeypatch.setattr(dues, "LARGE_ROLL", 2)  # the three members make a large roll
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("dues_admin:generate"), {"fiscal_year": 2025})
    run = DuesRun.objects.get()
    assert response.url == reverse("dues_admin:run", kwargs={"run_id": run.pk})
    assert (run.state, run.done, run.total, run.created, run.total_yen) == ("done", 3, 3, 3, 15000)
    page = staff_client.get(response.url).content.decode()
    assert "完了" in page and "3件(合計 15,000円)" in page and 'http-equiv="refresh"' not in page
    assert Invoice.objects.filter(fiscal_year=2025, category=Invoice.Category.DUES).count() == 3


def test_dues_run_page_refreshes_while_running(staff_client, roll):
    from membership.models import DuesRun

    run = DuesRun.objects.create(fiscal_year=2025, state="running", total=10, done=4)
    page = staff_client.get(reverse("dues_admin:run", kwargs={"run_id": run.pk})).content.decode()
    assert 'http-equiv="refresh"' in page and "4 / 10件" in page
