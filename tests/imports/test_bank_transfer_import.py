"""Bank-transfer import (入金明細: ゆうちょ・振込): matching statement rows to unpaid invoices,
the preview classes, applying all or nothing, re-import, locks, the admin flow and who may use it."""

import datetime
import io
import threading

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry

from imports import services
from imports.kinds import bank_transfers
from imports.models import ImportJob
from imports.readers import read_table
from imports.registry import registry
from membership.billing.errors import BillingError
from membership.billing.invoices import close_invoice
from membership.billing.payments import record_manual_payment
from membership.models import Invoice, Member, Payment, ReceiptCounter
from tests.factories import InvoiceFactory, MemberFactory, StaffUserFactory
from tests.imports.bank_data import (
    HEADERS,
    member_with_dues,
    open_payment,
    paid_state,
    statement_csv,
    statement_xlsx,
    transfer,
)
from tests.imports.data import csv_bytes, member_rows
from tests.two_factor import log_in_staff

KIND = "bank_transfers"
pytestmark = pytest.mark.django_db


@pytest.fixture
def preview_statement(preview):
    def run(rows, name="statement.csv", data=None, **kwargs):
        return preview(statement_csv(rows) if data is None else data, name=name, kind=KIND, **kwargs)

    return run


@pytest.fixture
def confirm(superuser):
    """Confirm a previewed job; keyword arguments are the confirm options (default: the kind's)."""

    def run(job, user=None, **options):
        return services.start_apply(job=job, user=user or superuser, options=options or None)

    return run


def counts(job):
    return {key: value for key, value in job.result["counts"].items() if value}


def details(job, outcome):
    """[(row, 照合結果)] of the sample rows of a class."""
    return [(sample["row"], sample["cells"][-1]) for sample in job.result["samples"][outcome]]


def errors_of(job):
    return [(e["row"], e["column"], e["message"]) for e in job.result["errors"]]


@pytest.fixture
def ledger(db):
    """Members and invoices of fiscal 2025 in every state a statement row can meet."""
    return {
        "unpaid": member_with_dues("0000101", 2025)[1][2025],
        "unpaid2": member_with_dues("0000102", 2025)[1][2025],
        "paid": member_with_dues("0000103", 2025)[1][2025],
        "other_amount": member_with_dues("0000104", 2025, amount=8000)[1][2025],
        "no_invoice": MemberFactory(user__username="0000105"),
        "store": member_with_dues("0000106", 2025)[1][2025],
    }


def mixed_statement(ledger):
    record_manual_payment(
        invoice_id=ledger["paid"].pk, channel="counter", paid_on=datetime.date(2025, 4, 20), notify=False
    )
    open_payment(ledger["store"], status=Payment.Status.AWAITING, method=Payment.Method.CVS)
    return [
        transfer("0000101", "2025/05/01", "5,000", year="2025", note="ヤマダ タロウ"),  # row 2: matched
        transfer("0000102", "2025-05-02", "５０００円", channel="振込"),  # row 3: matched (no year)
        transfer("0000103", "2025/05/03", "5000", year="2025"),  # row 4: already paid
        transfer("0000104", "2025/05/04", "5000", year="2025"),  # row 5: amount mismatch
        transfer("0009999", "2025/05/05", "5000"),  # row 6: no such member
        transfer("0000105", "2025/05/06", "5000"),  # row 7: member without invoices
        transfer("0000106", "2025/05/07", "5000", year="2025"),  # row 8: store payment waiting
    ]


# --- the preview ---------------------------------------------------------------------------------
def test_cp932_statement_preview_sorts_rows_into_classes(preview_statement, ledger):
    rows = mixed_statement(ledger)
    data = statement_csv(rows, encoding="cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    before = paid_state()

    job = preview_statement(rows, data=data)

    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert counts(job) == {"matched": 2, "already_paid": 1, "mismatch": 1, "not_found": 2, "cvs_awaiting": 1}
    assert (job.new_count, job.updated_count, job.unchanged_count, job.error_count) == (0, 2, 5, 0)
    assert job.can_apply
    assert job.result["columns"] == ["会員番号", "入金日", "金額", "年度", "請求区分", "入金種別", "照合結果"]
    assert details(job, "matched") == [
        (2, "2025年度 会費 5,000円を入金済にします。"),
        (3, "2025年度 会費 5,000円を入金済にします。"),
    ]
    assert job.result["samples"]["matched"][0]["cells"][:3] == ["0000101", "2025/05/01", "5,000"]
    assert details(job, "already_paid") == [
        (
            4,
            "2025年度 会費 5,000円は入金済です(2025/04/20 窓口 5,000円 領収書番号 2025-000001)。"
            "二重の入金でないか確認してください。",
        )
    ]
    assert details(job, "mismatch") == [(5, "未納の請求(2025年度 会費 8,000円)と金額が違います(入金 5,000円)。")]
    assert details(job, "not_found") == [
        (6, "会員番号 0009999 の会員がいません。"),
        (7, "未納の会費の請求がありません。"),
    ]
    assert details(job, "cvs_awaiting")[0][0] == 8
    assert "コンビニ支払待ちの決済があります" in details(job, "cvs_awaiting")[0][1]
    assert job.result["notes"] == [
        "照合済 2件の入金額の合計: 10,000円",
        "ファイルの金額の合計(エラーの行を除く): 35,000円",
    ]
    assert paid_state() == before  # a preview writes nothing


def test_confirm_marks_the_matched_invoices_paid_with_gapless_receipt_numbers(
    preview_statement, confirm, ledger, django_capture_on_commit_callbacks
):
    rows = mixed_statement(ledger)
    untouched = [ledger[name].pk for name in ("paid", "other_amount", "store")]
    before = paid_state(untouched)
    job = preview_statement(rows)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = confirm(job, send_paid_mail=False)

    assert job.state == ImportJob.State.APPLIED, job.message
    assert counts(job) == {"matched": 2, "already_paid": 1, "mismatch": 1, "not_found": 2, "cvs_awaiting": 1}
    first = Invoice.objects.get(pk=ledger["unpaid"].pk)
    second = Invoice.objects.get(pk=ledger["unpaid2"].pk)
    assert (first.status, first.paid_on, first.paid_amount, first.channel) == (
        Invoice.Status.PAID,
        datetime.date(2025, 5, 1),
        5000,
        Invoice.Channel.YUCHO,
    )
    assert (second.status, second.paid_on, second.paid_amount, second.channel) == (
        Invoice.Status.PAID,
        datetime.date(2025, 5, 2),
        5000,
        Invoice.Channel.TRANSFER,
    )
    # 2025-000001 went to the invoice paid at the counter; the import goes on from there, in file order.
    assert (first.receipt_number, second.receipt_number) == ("2025-000002", "2025-000003")
    assert ReceiptCounter.objects.get(fiscal_year=2025).last_number == 3
    assert first.note == "ヤマダ タロウ"
    assert paid_state(untouched) == before
    # Without the mail option, bookkeeping only: no mail, nothing queued.
    assert mail.outbox == []
    assert callbacks == []


def test_receipt_numbers_follow_the_fiscal_year_of_the_payment_date(preview_statement, confirm):
    _member, invoices = member_with_dues("0000201", 2024, 2025)
    job = confirm(
        preview_statement(
            [
                transfer("0000201", "2025/03/31", "5000", year="2024"),
                transfer("0000201", "2025/04/01", "5000", year="2025"),
            ]
        )
    )
    assert job.state == ImportJob.State.APPLIED
    invoices = {year: Invoice.objects.get(pk=invoice.pk) for year, invoice in invoices.items()}
    assert invoices[2024].receipt_number == "2024-000001"
    assert invoices[2025].receipt_number == "2025-000001"


def test_the_confirm_message_and_history_name_the_import(preview_statement, confirm, superuser, ledger):
    rows = mixed_statement(ledger)
    job = confirm(preview_statement(rows))
    assert registry.get(KIND).summary(job.result["counts"]) == (
        "照合済 2件、入金済 1件、該当なし 2件、金額不一致 1件、コンビニ支払待ちあり 1件"
    )
    assert log_action_registry.action_exists(bank_transfers.PAID_ACTION)
    entry = ModelLogEntry.objects.get(action=bank_transfers.PAID_ACTION, object_id=str(ledger["unpaid"].pk))
    assert entry.user == superuser
    assert entry.label == "0000101 2025年度 会費 5,000円"
    assert entry.message == (
        f"入金明細の取込で入金を記録しました: ゆうちょ 2025/05/01 5,000円 領収書番号 2025-000002 "
        f"備考「ヤマダ タロウ」(取込 #{job.pk})"
    )
    assert ModelLogEntry.objects.filter(action=bank_transfers.PAID_ACTION).count() == 2


def test_the_import_pays_through_the_bulk_paid_invoice_rule(preview_statement, confirm, superuser, ledger, monkeypatch):
    from membership.billing import invoices, paid_invoices

    rows = mixed_statement(ledger)  # pays one invoice at the counter first
    calls = []
    original = paid_invoices.mark_invoices_paid

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    def no_single_payments(*args, **kwargs):
        raise AssertionError("the import pays through the bulk form only")

    monkeypatch.setattr(paid_invoices, "mark_invoices_paid", spy)
    monkeypatch.setattr(invoices, "mark_invoice_paid", no_single_payments)
    job = confirm(preview_statement(rows), send_paid_mail=False)

    assert job.state == ImportJob.State.APPLIED, job.message
    [call] = calls
    assert [payment.invoice_id for payment in call["payments"]] == [ledger["unpaid"].pk, ledger["unpaid2"].pk]
    assert (call["user"], call["notify"], call["action"]) == (superuser, False, bank_transfers.PAID_ACTION)
    paid = Invoice.objects.filter(pk__in=[ledger["unpaid"].pk, ledger["unpaid2"].pk]).order_by("pk")
    assert [(invoice.status, invoice.receipt_number) for invoice in paid] == [
        (Invoice.Status.PAID, "2025-000002"),
        (Invoice.Status.PAID, "2025-000003"),
    ]


# --- all or nothing --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (transfer("0000301", "2025/02/30", "5000"), "入金日", "存在しない日付です。"),
        (
            transfer("0000301", "5月1日", "5000"),
            "入金日",
            "日付は 2024/04/01 または 2024-04-01 の形式で入力してください。",
        ),
        (transfer("0000301", "", "5000"), "入金日", "必須項目です。入力してください。"),
        (transfer("0000301", "2099/01/01", "5000"), "入金日", "入金日が今日より後の日付です。"),
        (
            transfer("0000301", "2025/05/01", "5千円"),
            "金額",
            "金額は円単位の数字で入力してください(例: 5000、5,000円)。",
        ),
        (transfer("0000301", "2025/05/01", "0"), "金額", "金額は1円以上で入力してください。"),
        (transfer("0000301", "2025/05/01", ""), "金額", "必須項目です。入力してください。"),
        (transfer("00-301 A", "2025/05/01", "5000"), "会員番号", "会員番号は半角英数字20文字以内で入力してください。"),
        (transfer("", "2025/05/01", "5000"), "会員番号", "必須項目です。入力してください。"),
        (transfer("0000301", "2025/05/01", "5000", year="R7"), "年度", "年度は西暦4桁で入力してください(例: 2024)。"),
        (
            transfer("0000301", "2025/05/01", "5000", category="寄付"),
            "請求区分",
            "「寄付」は選べません。会費、更新料、参加費 のいずれかを入力してください。",
        ),
        (
            transfer("0000301", "2025/05/01", "5000", channel="現金"),
            "入金種別",
            "「現金」は選べません。ゆうちょ、振込 のいずれかを入力してください。",
        ),
    ],
)
def test_a_malformed_row_is_an_error_that_blocks_everything(preview_statement, superuser, row, column, message):
    _member, invoices = member_with_dues("0000300", 2025)
    member_with_dues("0000301", 2025)
    before = paid_state()
    job = preview_statement([transfer("0000300", "2025/05/01", "5000"), row])
    assert errors_of(job) == [(3, column, message)]
    assert counts(job) == {"matched": 1, "error": 1}
    assert not job.can_apply
    with pytest.raises(services.ImportJobError, match="エラーがあるため取り込めません"):
        services.start_apply(job=job, user=superuser)
    assert paid_state() == before
    assert not ReceiptCounter.objects.exists()


def test_two_rows_matching_one_invoice_are_an_error(preview_statement):
    member_with_dues("0000310", 2024, 2025)
    job = preview_statement(
        [
            transfer("0000310", "2025/05/01", "5000"),
            transfer("0000310", "2025/05/20", "5000"),  # no year: the oldest unpaid again (2024)
            transfer("0000310", "2025/05/01", "5000", year="2025"),
            transfer("0000310", "2025/05/02", "5000", year="2025"),
        ]
    )
    assert errors_of(job) == [
        (
            3,
            "会員番号",
            "2行目と同じ請求(2024年度 会費 5,000円)に照合されます。同じ入金が2行ないか確認し、別々の入金なら年度を入れてください。",
        ),
        (
            5,
            "会員番号",
            "4行目と同じ請求(2025年度 会費 5,000円)に照合されます。同じ入金が2行ないか確認し、別々の入金なら年度を入れてください。",
        ),
    ]
    assert counts(job) == {"matched": 2, "error": 2}
    assert not job.can_apply


def test_a_failure_while_writing_leaves_nothing_paid_and_no_receipt_number_used(
    preview_statement, confirm, ledger, monkeypatch
):
    rows = mixed_statement(ledger)
    open_payment(ledger["unpaid"])
    before = paid_state()
    counter = ReceiptCounter.objects.get(fiscal_year=2025).last_number
    job = preview_statement(rows)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ModelLogEntry.objects, "bulk_create", fail)  # the last step of write
    job = confirm(job)
    assert job.state == ImportJob.State.FAILED
    assert job.message == services.UNEXPECTED_MESSAGE
    assert paid_state() == before
    assert ReceiptCounter.objects.get(fiscal_year=2025).last_number == counter
    assert Payment.objects.get(invoice=ledger["unpaid"]).status == Payment.Status.STARTED


# --- re-import -------------------------------------------------------------------------------------
def test_importing_the_same_statement_again_changes_nothing(preview_statement, confirm, preview):
    member_with_dues("0000401", 2023, 2024, 2025)
    member_with_dues("0000402", 2025)
    seminar, _none = member_with_dues("0000403")
    InvoiceFactory(member=seminar, category="seminar_fee", fiscal_year=2025, subject="seminar:1", amount=3000)
    InvoiceFactory(member=seminar, category="seminar_fee", fiscal_year=2025, subject="seminar:2", amount=3000)
    rows = [
        transfer("0000401", "2025/05/01", "5000"),  # no year: pays 2023, the oldest
        transfer("0000401", "2025/05/01", "5000", year="2025"),
        transfer("0000402", "2025/05/02", "5000", channel="振込"),
        transfer("0000403", "2025/05/03", "3000", year="2025", category="参加費"),
    ]
    data = statement_csv(rows)
    first = confirm(preview_statement(rows, data=data))
    assert counts(first) == {"matched": 4}
    state = paid_state()
    last_numbers = list(ReceiptCounter.objects.values_list("fiscal_year", "last_number"))
    entries = ModelLogEntry.objects.count()

    again = preview_statement(rows, data=data)
    assert counts(again) == {"already_paid": 4}
    assert services.previous_application(again) == first
    assert all(detail.startswith("この入金は記録済みです") for _row, detail in details(again, "already_paid"))
    applied = confirm(again)
    assert applied.state == ImportJob.State.APPLIED
    assert counts(applied) == {"already_paid": 4}
    assert paid_state() == state
    assert list(ReceiptCounter.objects.values_list("fiscal_year", "last_number")) == last_numbers
    assert ModelLogEntry.objects.count() == entries
    # The second seminar fee of the same amount stays unpaid.
    assert Invoice.objects.filter(subject="seminar:2", status="unpaid").exists()


def test_invoices_paid_between_preview_and_confirm_are_not_paid_twice(preview_statement, confirm, ledger):
    rows = mixed_statement(ledger)
    job = preview_statement(rows)
    assert counts(job)["matched"] == 2
    record_manual_payment(
        invoice_id=ledger["unpaid"].pk, channel="transfer", paid_on=datetime.date(2025, 4, 30), notify=False
    )
    paid = paid_state([ledger["unpaid"].pk])
    job = confirm(job)
    assert job.state == ImportJob.State.APPLIED
    assert counts(job)["matched"] == 1 and counts(job)["already_paid"] == 2
    assert paid_state([ledger["unpaid"].pk]) == paid
    assert Invoice.objects.get(pk=ledger["unpaid2"].pk).status == Invoice.Status.PAID


def test_the_write_rechecks_each_invoice_under_its_lock(ledger):
    """What changed between the validation and the locks moves to its class; nothing is paid twice."""
    rows = mixed_statement(ledger)
    kind = registry.get(KIND)
    table = read_table(statement_csv(rows), "statement.csv")
    report = kind.new_report()
    plan = kind.validate(table, report)
    assert report.counts["matched"] == 2
    # Meanwhile: one invoice is paid at the counter, the other gets a store payment waiting.
    record_manual_payment(
        invoice_id=ledger["unpaid"].pk, channel="counter", paid_on=datetime.date(2025, 4, 30), notify=False
    )
    open_payment(ledger["unpaid2"], status=Payment.Status.AWAITING, method=Payment.Method.CVS)
    before = paid_state()
    with transaction.atomic():
        kind.write(plan, report)
    assert paid_state() == before
    assert report.counts["matched"] == 0
    assert report.counts["already_paid"] == 2 and report.counts["cvs_awaiting"] == 2
    assert report.samples["matched"] == []
    moved = {sample["row"]: sample["cells"][-1] for sample in report.samples["already_paid"]}
    assert moved[2].startswith("確認の後に2025年度 会費 5,000円が入金済になりました")
    assert ReceiptCounter.objects.get(fiscal_year=2025).last_number == 2  # the two counter payments only


# --- the paid mail (the confirm option) -------------------------------------------------------------
def paid_mails():
    """[(recipient, body)] of the paid mails sent, in order."""
    return [(message.to, message.body) for message in mail.outbox]


def test_with_the_mail_option_each_member_paid_gets_the_paid_mail(
    preview_statement, confirm, ledger, django_capture_on_commit_callbacks
):
    rows = mixed_statement(ledger)
    job = preview_statement(rows)
    with django_capture_on_commit_callbacks(execute=True):
        job = confirm(job)  # the option is on unless staff uncheck it

    assert job.state == ImportJob.State.APPLIED, job.message
    assert job.options == {"send_paid_mail": True}
    first = Invoice.objects.get(pk=ledger["unpaid"].pk)
    second = Invoice.objects.get(pk=ledger["unpaid2"].pk)
    # One mail per paid invoice, to its member only; none for the rows left alone.
    assert [to for to, _body in paid_mails()] == [[first.member.user.email], [second.member.user.email]]
    assert {message.subject for message in mail.outbox} == {"【日本消化器内視鏡技師会】お支払いを確認しました"}
    for invoice, (_to, body) in zip((first, second), paid_mails(), strict=True):
        assert "2025年度 会費" in body
        assert "5,000円" in body
        assert invoice.receipt_number in body
        assert reverse("member:receipt", kwargs={"invoice_id": invoice.pk}) in body
    assert "入金種別: ゆうちょ" in paid_mails()[0][1] and "入金種別: 振込" in paid_mails()[1][1]
    assert job.result["notes"][-1] == "入金確認メール: 2件を送ります"


def test_a_member_paying_two_years_gets_a_mail_for_each(preview_statement, confirm, django_capture_on_commit_callbacks):
    member = MemberFactory(user__username="0000451")
    InvoiceFactory(member=member, fiscal_year=2024, amount=5000)
    InvoiceFactory(member=member, fiscal_year=2025, amount=6000)
    job = preview_statement(
        [
            transfer("0000451", "2025/05/01", "5000", year="2024"),
            transfer("0000451", "2025/05/01", "6000", year="2025"),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        confirm(job)
    bodies = [body for _to, body in paid_mails()]
    assert len(bodies) == 2
    assert "2024年度 会費" in bodies[0] and "5,000円" in bodies[0]
    assert "2025年度 会費" in bodies[1] and "6,000円" in bodies[1]


def test_without_the_mail_option_nobody_is_mailed(
    preview_statement, confirm, ledger, django_capture_on_commit_callbacks
):
    job = preview_statement(mixed_statement(ledger))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = confirm(job, send_paid_mail=False)
    assert job.state == ImportJob.State.APPLIED
    assert Invoice.objects.get(pk=ledger["unpaid"].pk).status == Invoice.Status.PAID
    assert job.options == {"send_paid_mail": False}
    assert mail.outbox == [] and callbacks == []
    assert job.result["notes"][-1] == "入金確認メール: 送っていません(「入金確認メールを会員に送る」のチェックなし)"


def test_importing_the_same_statement_again_mails_nobody_again(
    preview_statement, confirm, django_capture_on_commit_callbacks
):
    member_with_dues("0000461", 2025)
    member_with_dues("0000462", 2025)
    rows = [transfer("0000461", "2025/05/01", "5000"), transfer("0000462", "2025/05/01", "5000", year="2025")]
    with django_capture_on_commit_callbacks(execute=True):
        confirm(preview_statement(rows))
    assert len(mail.outbox) == 2

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = confirm(preview_statement(rows))
    assert counts(again) == {"already_paid": 2}
    assert callbacks == [] and len(mail.outbox) == 2
    assert not any(note.startswith("入金確認メール") for note in again.result["notes"])


def test_members_without_an_email_address_are_counted_and_left_out(
    preview_statement, confirm, django_capture_on_commit_callbacks
):
    member_with_dues("0000471", 2025)
    member_with_dues("0000472", 2025, user__email="")
    rows = [transfer("0000471", "2025/05/01", "5000"), transfer("0000472", "2025/05/01", "5000")]
    job = preview_statement(rows)
    assert (
        job.result["notes"][-1] == "照合済のうち 1件はメールアドレスのない会員の請求です(入金確認メールは送れません)。"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = confirm(job)
    assert counts(job) == {"matched": 2}
    assert Invoice.objects.filter(member__member_number="0000472", status="paid").exists()
    queued = [callback for callback in callbacks if callback.__qualname__.startswith("enqueue_with_transaction")]
    assert len(queued) == 1  # one paid mail queued (a settings row read for its subject may add a cache callback)
    assert [to for to, _body in paid_mails()] == [[Member.objects.get(member_number="0000471").user.email]]
    assert job.result["notes"][-1] == "入金確認メール: 1件を送ります(メールアドレスのない会員の 1件を除く)"


def fail_when_applied(monkeypatch):
    """Make the last step inside the import's transaction (recording the job as applied) fail."""
    finish = services._finish

    def failing(job_id, from_state, to_state, *args, **kwargs):
        if to_state == ImportJob.State.APPLIED:
            raise RuntimeError("database went away")
        return finish(job_id, from_state, to_state, *args, **kwargs)

    monkeypatch.setattr(services, "_finish", failing)


def test_a_rolled_back_import_mails_nobody(
    preview_statement, confirm, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    rows = mixed_statement(ledger)
    before = paid_state()
    job = preview_statement(rows)
    fail_when_applied(monkeypatch)  # after write has marked the invoices paid and queued the mails
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = confirm(job)
    assert job.state == ImportJob.State.FAILED
    assert job.message == services.UNEXPECTED_MESSAGE
    assert paid_state() == before
    assert callbacks == [] and mail.outbox == []


@pytest.fixture
def database_tasks(settings):
    """Production's task backend: a task is a row written in the enqueuing transaction."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_with_database_tasks_the_mails_are_queued_in_the_import_transaction(
    preview_statement, confirm, ledger, database_tasks, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    job = preview_statement(mixed_statement(ledger))
    with django_capture_on_commit_callbacks() as callbacks:
        job = confirm(job)
    assert job.state == ImportJob.State.APPLIED
    assert callbacks == []  # nothing waits for the commit: the task rows are written with the payments
    queued = DBTaskResult.objects.order_by("enqueued_at", "id")
    assert {row.task_path for row in queued} == {"membership.billing.tasks.send_paid_mail"}
    assert sorted(row.args_kwargs["kwargs"]["invoice_id"] for row in queued) == [
        ledger["unpaid"].pk,
        ledger["unpaid2"].pk,
    ]
    assert mail.outbox == []  # the worker sends them


def test_with_database_tasks_a_rolled_back_import_queues_no_mail(
    preview_statement, confirm, ledger, database_tasks, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    job = preview_statement(mixed_statement(ledger))
    fail_when_applied(monkeypatch)
    job = confirm(job)
    assert job.state == ImportJob.State.FAILED
    assert Invoice.objects.get(pk=ledger["unpaid"].pk).status == Invoice.Status.UNPAID
    assert not DBTaskResult.objects.exists()


def test_the_mail_option_reaches_an_import_applied_in_the_background(
    preview_statement, confirm, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_BACKGROUND_ROWS = 0  # every file goes to the background tasks
    _m, invoices = member_with_dues("0000481", 2025)
    with django_capture_on_commit_callbacks(execute=True):
        job = preview_statement([transfer("0000481", "2025/05/01", "5000")])
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED
    with django_capture_on_commit_callbacks(execute=True):
        job = confirm(job, send_paid_mail=True)
        assert job.state == ImportJob.State.APPLYING
    job.refresh_from_db()
    assert job.state == ImportJob.State.APPLIED, job.message
    assert Invoice.objects.get(pk=invoices[2025].pk).status == Invoice.Status.PAID
    assert len(mail.outbox) == 1


def test_confirm_options_are_checked(preview_statement, superuser):
    member_with_dues("0000491", 2025)
    job = preview_statement([transfer("0000491", "2025/05/01", "5000")])
    with pytest.raises(ValueError, match="has no option send_mail"):
        services.start_apply(job=job, user=superuser, options={"send_mail": False})  # misspelt: not a default
    with pytest.raises(ValueError, match="takes True or False"):
        services.start_apply(job=job, user=superuser, options={"send_paid_mail": "no"})
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED and job.options == {}
    assert registry.get("members").clean_options() == {}


# --- matching ----------------------------------------------------------------------------------------
def test_fiscal_year_given_or_not(preview_statement, confirm):
    _m, arrears = member_with_dues("0000501", 2023, 2024, 2025)
    member = MemberFactory(user__username="0000502")
    old = InvoiceFactory(member=member, fiscal_year=2024, amount=5000)
    new = InvoiceFactory(member=member, fiscal_year=2025, amount=6000)
    member_with_dues("0000503", 2024)
    job = preview_statement(
        [
            transfer("0000501", "2025/06/01", "5000"),  # no year: the oldest unpaid, 2023
            transfer("0000501", "2025/06/02", "5000", year="2025"),  # that year
            transfer("0000502", "2025/06/03", "6000"),  # no year: the oldest of the same amount, 2025
            transfer("0000502", "2025/06/04", "7000"),  # no year, no amount fits: mismatch with the oldest
            transfer("0000503", "2025/06/05", "5000", year="2025"),  # that year has no invoice
        ]
    )
    assert counts(job) == {"matched": 3, "mismatch": 1, "not_found": 1}
    assert details(job, "mismatch") == [(5, "未納の請求(2024年度 会費 5,000円)と金額が違います(入金 7,000円)。")]
    assert details(job, "not_found") == [(6, "2025年度の会費の請求がありません。")]
    confirm(job)
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert statuses[arrears[2023].pk] == statuses[arrears[2025].pk] == "paid"
    assert statuses[arrears[2024].pk] == "unpaid"
    assert statuses[new.pk] == "paid" and statuses[old.pk] == "unpaid"


def test_category_picks_the_invoice(preview_statement, confirm):
    member, dues = member_with_dues("0000601", 2025)
    renewal = InvoiceFactory(member=member, category="renewal_fee", fiscal_year=2025, subject="renewal:1", amount=10000)
    exempt = InvoiceFactory(member=member, category="seminar_fee", fiscal_year=2025, subject="seminar:9", amount=2000)
    close_invoice(invoice_id=exempt.pk, status="exempt", reason="講師")
    job = preview_statement(
        [
            transfer("0000601", "2025/07/01", "10,000", category="更新料"),
            transfer("0000601", "2025/07/01", "2000", year="2025", category="参加費"),
        ]
    )
    assert counts(job) == {"matched": 1, "not_found": 1}
    assert details(job, "not_found") == [(3, "2025年度 参加費 2,000円は免除です。")]
    confirm(job)
    assert Invoice.objects.get(pk=renewal.pk).status == "paid"
    assert Invoice.objects.get(pk=dues[2025].pk).status == "unpaid"


def test_open_card_attempt_is_cancelled_and_awaiting_store_payment_blocks_its_row(
    preview_statement, confirm, gateway_loop
):  # the gateway (the sandbox) has no trade for the card attempt: never taken to its checkout
    _m, card = member_with_dues("0000701", 2025)
    _m, store = member_with_dues("0000702", 2025)
    card_attempt = open_payment(card[2025], status=Payment.Status.STARTED)
    failed_attempt = Payment.objects.create(
        invoice=card[2025], method="card", order_id="OLD-FAILED", amount=5000, status=Payment.Status.FAILED
    )
    store_attempt = open_payment(store[2025], status=Payment.Status.AWAITING, method=Payment.Method.CVS)
    job = preview_statement(
        [transfer("0000701", "2025/08/01", "5000", year="2025"), transfer("0000702", "2025/08/01", "5000")]
    )
    assert counts(job) == {"matched": 1, "cvs_awaiting": 1}
    job = confirm(job)
    assert counts(job) == {"matched": 1, "cvs_awaiting": 1}
    card_attempt.refresh_from_db()
    failed_attempt.refresh_from_db()
    store_attempt.refresh_from_db()
    assert card_attempt.status == Payment.Status.CANCELLED
    assert failed_attempt.status == Payment.Status.FAILED
    assert store_attempt.status == Payment.Status.AWAITING
    assert Invoice.objects.get(pk=card[2025].pk).status == "paid"
    assert Invoice.objects.get(pk=store[2025].pk).status == "unpaid"


def test_xlsx_statement_with_date_cells_and_number_amounts(preview_statement, confirm):
    _m, invoices = member_with_dues("0000801", 2025)
    _m, others = member_with_dues("12345", 2025)
    _m, dropped = member_with_dues("0000802", 2025)
    rows = [
        transfer("0000801", datetime.datetime(2025, 9, 1), 5000, year=2025, channel="振込", note="９月分"),
        transfer(12345, 45901, 5000.0),  # a serial date (2025-09-01) and a number member number
        transfer(802, "2025/09/01", 5000),  # the zeros Excel dropped are put back: 0000802
        transfer(803, "2025/09/01", 5000),  # no member 0000803
    ]
    job = confirm(preview_statement(rows, name="statement.xlsx", data=statement_xlsx(rows)))
    assert counts(job) == {"matched": 3, "not_found": 1}
    assert details(job, "not_found") == [
        (
            5,
            "会員番号 803 の会員がいません。Excel で数値として保存すると先頭の0が消えます。列を「文字列」にしてください。",
        )
    ]
    invoice = Invoice.objects.get(pk=invoices[2025].pk)
    assert (invoice.paid_on, invoice.channel, invoice.note) == (datetime.date(2025, 9, 1), "transfer", "９月分")
    assert Invoice.objects.get(pk=others[2025].pk).paid_on == datetime.date(2025, 9, 1)
    assert Invoice.objects.get(pk=dropped[2025].pk).status == "paid"
    assert "0を補って照合しました(例: 802 → 0000802)" in " ".join(job.result["notes"])


def test_the_note_is_added_to_the_invoice_note(preview_statement, confirm):
    member = MemberFactory(user__username="0000901")
    invoice = InvoiceFactory(member=member, fiscal_year=2025, note="請求書再送済")
    confirm(preview_statement([transfer("0000901", "2025/05/01", "5000", note="振込人名義 ヤマダハナコ")]))
    assert Invoice.objects.get(pk=invoice.pk).note == "請求書再送済 / 振込人名義 ヤマダハナコ"


def test_preview_and_apply_need_a_fixed_number_of_queries(preview_statement, confirm, django_assert_max_num_queries):
    """The members and invoices of the whole file are loaded at once: no query per row."""

    def statement(count, start):
        rows = []
        for i in range(start, start + count):
            number = f"{i:07d}"
            member_with_dues(number, 2025)
            rows.append(transfer(number, "2025/05/01", "5000"))
        return rows

    small, large = statement(3, 1000), statement(60, 2000)
    with django_assert_max_num_queries(20) as small_preview:
        small_job = preview_statement(small)
    with django_assert_max_num_queries(len(small_preview)) as large_preview:
        job = preview_statement(large)
    assert counts(job) == {"matched": 60}
    assert len(large_preview) == len(small_preview)
    # A fixed number (job steps, the stored rows, the saved column mappings) and one
    # receipt-number upsert per paid invoice: 57 more invoices, at most 57 more queries.
    with django_assert_max_num_queries(35 + 3) as small_apply:
        confirm(small_job)
    with django_assert_max_num_queries(len(small_apply) + 57):
        confirm(job)


# --- the admin -------------------------------------------------------------------------------------
def test_admin_flow_upload_preview_confirm(admin_client, ledger):
    rows = mixed_statement(ledger)
    page = admin_client.get(reverse("imports:upload") + f"?kind={KIND}").content.decode()
    assert "入金明細(ゆうちょ・振込)" in page
    for header in HEADERS:
        assert f"<code>{header}</code>" in page
    assert reverse("imports:template", args=[KIND, "csv"]) in page
    assert reverse("imports:template", args=[KIND, "xlsx"]) in page

    response = admin_client.post(
        reverse("imports:upload"),
        {"kind": KIND, "file": SimpleUploadedFile("ゆうちょ明細.csv", statement_csv(rows))},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:job", args=[job.pk])

    body = admin_client.get(response.url).content.decode()
    for label in ("照合済", "該当なし", "入金済", "金額不一致", "コンビニ支払待ちあり"):
        assert f"<th>{label}</th>" in body
    assert '<td id="count-matched">2</td>' in body
    assert '<td id="count-already_paid">1</td>' in body
    assert '<td id="count-not_found">2</td>' in body
    assert '<td id="count-mismatch">1</td>' in body
    assert '<td id="count-cvs_awaiting">1</td>' in body
    assert '<td id="count-error">0</td>' in body
    assert "<th>照合結果</th>" in body
    assert "2025年度 会費 5,000円を入金済にします。" in body
    assert "照合済 2件の入金額の合計: 10,000円" in body
    assert reverse("imports:confirm", args=[job.pk]) in body
    assert Invoice.objects.get(pk=ledger["unpaid"].pk).status == "unpaid"

    confirmed = admin_client.post(reverse("imports:confirm", args=[job.pk]), follow=True).content.decode()
    assert (
        "取り込みました(照合済 2件、入金済 1件、該当なし 2件、金額不一致 1件、コンビニ支払待ちあり 1件)。" in confirmed
    )
    assert (
        "取り込みました。照合済 2件、該当なし 2件、入金済 1件、金額不一致 1件、コンビニ支払待ちあり 1件、"
        "オンライン決済確認中 0件。" in confirmed
    )
    assert Invoice.objects.get(pk=ledger["unpaid"].pk).status == "paid"
    job.refresh_from_db()
    assert (job.state, job.decided_by.username) == (ImportJob.State.APPLIED, "admin")
    # Once applied, the rows say what was done, on the page and in the download.
    assert "2025年度 会費 5,000円を入金済にしました。" in confirmed and "入金済にします。" not in confirmed
    download = admin_client.get(reverse("imports:rows", args=[job.pk, "matched", "csv"]))
    assert "入金済にしました。" in b"".join(download.streaming_content).decode("utf-8-sig")

    # The same file again: all 入金済, and the page says it was applied before.
    admin_client.post(
        reverse("imports:upload"), {"kind": KIND, "file": SimpleUploadedFile("ゆうちょ明細.csv", statement_csv(rows))}
    )
    again = ImportJob.objects.exclude(pk=job.pk).get()
    body = admin_client.get(reverse("imports:job", args=[again.pk])).content.decode()
    assert f"取込 #{job.pk}" in body and "記録済みの入金は「入金済」になり" in body
    assert '<td id="count-already_paid">3</td>' in body
    assert '<td id="count-matched">0</td>' in body


def upload_statement(client, rows):
    client.post(reverse("imports:upload"), {"kind": KIND, "file": SimpleUploadedFile("s.csv", statement_csv(rows))})
    return ImportJob.objects.latest("pk")


def test_the_confirm_step_offers_the_paid_mail_checked(admin_client, django_capture_on_commit_callbacks):
    member, invoices = member_with_dues("0001051", 2025)
    job = upload_statement(admin_client, [transfer("0001051", "2025/05/01", "5000")])
    body = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "入金確認メールを会員に送る" in body
    assert "過去の入金記録の移行ではチェックを外してください。" in body
    assert '<input type="checkbox" name="send_paid_mail"' in body
    assert 'id="id_send_paid_mail" checked>' in body
    assert 'form="import-confirm-form">取り込む</button>' in body

    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(
            reverse("imports:confirm", args=[job.pk]), {"send_paid_mail": "on"}, follow=True
        ).content.decode()
    assert Invoice.objects.get(pk=invoices[2025].pk).status == "paid"
    assert [to for to, _body in paid_mails()] == [[member.user.email]]
    assert "入金確認メール: 1件を送ります" in page
    assert "<dt>入金確認メールを会員に送る</dt><dd>はい</dd>" in page
    assert 'name="send_paid_mail"' not in page  # applied: no confirm form any more


def test_unchecking_the_paid_mail_on_the_confirm_step_mails_nobody(admin_client, django_capture_on_commit_callbacks):
    _member, invoices = member_with_dues("0001052", 2025)
    job = upload_statement(admin_client, [transfer("0001052", "2025/05/01", "5000")])
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(reverse("imports:confirm", args=[job.pk]), follow=True).content.decode()
    assert Invoice.objects.get(pk=invoices[2025].pk).status == "paid"
    assert mail.outbox == []
    job.refresh_from_db()
    assert job.options == {"send_paid_mail": False}  # an unchecked box is not sent: off
    assert "<dt>入金確認メールを会員に送る</dt><dd>いいえ</dd>" in page


def test_other_kinds_have_no_mail_checkbox(admin_client):
    admin_client.post(
        reverse("imports:upload"), {"kind": "members", "file": SimpleUploadedFile("m.csv", csv_bytes(member_rows(1)))}
    )
    job = ImportJob.objects.get()
    body = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'form="import-confirm-form">取り込む</button>' in body
    assert "入金確認メール" not in body and 'type="checkbox"' not in body
    admin_client.post(reverse("imports:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.APPLIED and job.options == {}


def test_the_template_has_the_statement_columns(admin_client):
    response = admin_client.get(reverse("imports:template", args=[KIND, "csv"]))
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADERS)
    response = admin_client.get(reverse("imports:template", args=[KIND, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet["A3"].number_format == "@"  # 会員番号 keeps its leading zeros


def in_group(name):
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


def test_the_staff_group_may_import_and_editors_may_not(client):
    staff = in_group("事務局")
    assert staff.has_perm("imports.run_import")
    log_in_staff(client, staff)
    assert client.get(reverse("imports:upload")).status_code == 200
    assert client.get(reverse("imports:index")).status_code == 200
    assert reverse("imports:index") in client.get(reverse("wagtailadmin_home")).content.decode()

    editor = in_group("編集者")
    assert not editor.has_perm("imports.run_import")
    log_in_staff(client, editor)
    response = client.get(reverse("imports:upload"))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def test_staff_import_a_statement(client):
    _m, invoices = member_with_dues("0001001", 2025)
    log_in_staff(client, in_group("事務局"))
    client.post(
        reverse("imports:upload"),
        {"kind": KIND, "file": SimpleUploadedFile("s.csv", statement_csv([transfer("0001001", "2025/05/01", "5000")]))},
    )
    job = ImportJob.objects.get()
    client.post(reverse("imports:confirm", args=[job.pk]))
    assert Invoice.objects.get(pk=invoices[2025].pk).status == "paid"


# --- concurrency (PostgreSQL) ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL")
def test_an_import_and_a_payment_at_the_counter_at_the_same_time_pay_once():
    """Two threads, each in its own transaction, meet at a barrier: one receipt number, one payment."""
    _m, invoices = member_with_dues("0001101", 2025)
    invoice = invoices[2025]
    kind = registry.get(KIND)
    table = read_table(statement_csv([transfer("0001101", "2025/05/01", "5000")]), "s.csv")
    report = kind.new_report()
    plan = kind.validate(table, report)
    assert report.counts["matched"] == 1
    barrier = threading.Barrier(2)
    errors = []

    def apply_import():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                kind.write(plan, report)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    def pay_at_counter():
        try:
            barrier.wait(timeout=10)
            record_manual_payment(invoice_id=invoice.pk, channel="counter", paid_on=timezone.localdate(), notify=False)
        except BillingError:
            pass  # the import won
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply_import), threading.Thread(target=pay_at_counter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert sum(ReceiptCounter.objects.values_list("last_number", flat=True)) == 1
    assert report.counts["matched"] + report.counts["already_paid"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL")
def test_an_invoice_locked_elsewhere_makes_the_import_give_up_politely(settings, tmp_path):
    """The import sets no timeout of its own: the connection's lock_timeout (settings.py) bounds the wait."""
    settings.MEDIA_ROOT = tmp_path
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] not in ("0", "0ms")  # 0 would wait for ever
    staff = StaffUserFactory(is_superuser=True)
    _m, invoices = member_with_dues("0001201", 2025)
    job = services.upload(
        user=staff,
        kind=KIND,
        uploaded_file=SimpleUploadedFile("s.csv", statement_csv([transfer("0001201", "2025/05/01", "5000")])),
    )
    assert counts(job) == {"matched": 1}
    locked, release = threading.Event(), threading.Event()

    def hold_the_invoice():
        try:
            with transaction.atomic():
                Invoice.objects.select_for_update().get(pk=invoices[2025].pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_invoice)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            # What DB_LOCK_TIMEOUT_MS=200 sets for a connection; short, so that the test is quick.
            cursor.execute("SET lock_timeout = '200ms'")
        job = services.start_apply(job=job, user=staff)
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")  # back to the connection's setting
    assert job.state == ImportJob.State.FAILED
    assert job.message == bank_transfers.BUSY_MESSAGE
    assert Invoice.objects.get(pk=invoices[2025].pk).status == Invoice.Status.UNPAID
    assert not ReceiptCounter.objects.exists()
