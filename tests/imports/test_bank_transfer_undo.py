"""Undoing an applied bank-transfer statement (入金明細の取込の取消): the invoices it paid are unpaid
again, unless a receipt was issued or the card was issued on a paid renewal fee (named by row)."""

import datetime

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from imports import undo
from imports.models import ImportJob
from membership.billing.receipts import issue_receipt
from membership.models import Invoice
from renewal.models import RenewalApplication
from tests.factories import InvoiceFactory
from tests.imports.bank_data import member_with_dues, paid_state, statement_csv, transfer
from tests.two_factor import log_in_staff

KIND = "bank_transfers"
pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(import_file, superuser):
    """Two members' dues paid by a statement (one with a note appended to the invoice's own note)."""
    _yamada, yamada_dues = member_with_dues("0000101", 2025)
    suzuki, suzuki_dues = member_with_dues("0000102", 2025)
    Invoice.objects.filter(pk=suzuki_dues[2025].pk).update(note="分納の相談あり")
    invoices = [yamada_dues[2025].pk, suzuki_dues[2025].pk]
    before = paid_state(invoices)
    rows = [
        transfer("0000101", "2025/05/01", "5000", year="2025"),
        transfer("0000102", "2025/05/02", "5000", year="2025", channel="振込", note="スズキ"),
    ]
    job = import_file(statement_csv(rows), name="statement.csv", kind=KIND)
    assert job.state == ImportJob.State.APPLIED, job.message
    assert Invoice.objects.get(pk=invoices[1]).note == "分納の相談あり / スズキ"
    return job, invoices, before


def without_updated_at(state):
    return [row[:-1] for row in state]


def test_undo_makes_the_invoices_unpaid_again(applied, superuser):
    job, invoices, before = applied

    job = undo.undo_job(job=job, user=superuser)

    assert job.state == ImportJob.State.UNDONE
    assert without_updated_at(paid_state(invoices)) == without_updated_at(before)  # note restored too
    assert job.undo_summary == "入金 2件を取り消し、請求を未納に戻しました(領収書番号 2件は欠番になります)。"
    entries = ModelLogEntry.objects.filter(action="membership.invoice.unpaid").order_by("object_id")
    assert [(int(entry.object_id), entry.data["row"], entry.data["receipt_number"]) for entry in entries] == [
        (invoices[0], 2, "2025-000001"),
        (invoices[1], 3, "2025-000002"),
    ]
    assert all(entry.user == superuser and entry.data["import_job"] == job.pk for entry in entries)


def test_an_issued_receipt_blocks_the_undo_and_names_its_row(applied, superuser, client):
    job, invoices, _before = applied
    issue_receipt(Invoice.objects.get(pk=invoices[1]))  # the member downloaded the receipt
    state = paid_state(invoices)

    assert undo.undo_blockers(job) == [
        undo.UndoBlocker(3, "0000102 2025年度 会費 5,000円", "領収書(領収書番号 2025-000002)を発行済みです。")
    ]
    with pytest.raises(undo.UndoRefused):
        undo.undo_job(job=job, user=superuser)
    assert paid_state(invoices) == state
    log_in_staff(client, superuser)
    confirm = client.get(reverse("imports:undo", args=[job.pk])).content.decode()
    assert "3行目" in confirm and "領収書(領収書番号 2025-000002)を発行済みです。" in confirm


def test_a_card_issued_on_a_paid_renewal_fee_blocks_the_undo(import_file, superuser):
    member, _dues = member_with_dues("0000301")
    fee = InvoiceFactory(member=member, category=Invoice.Category.RENEWAL_FEE, subject="renewal:1", amount=10000)
    job = import_file(
        statement_csv([transfer("0000301", "2025/06/01", "10000", year="2025", category="更新料")]),
        name="statement.csv",
        kind=KIND,
    )
    assert Invoice.objects.get(pk=fee.pk).status == Invoice.Status.PAID
    RenewalApplication.objects.create(
        member=member, expires_on=datetime.date(2026, 3, 31), new_expires_on=datetime.date(2031, 3, 31),
        points_at_application=50, invoice=fee, state=RenewalApplication.State.ISSUED,
    )  # fmt: skip

    [blocker] = undo.undo_blockers(job)
    assert blocker.row == 2 and "会員証を発行済み" in blocker.reason
    with pytest.raises(undo.UndoRefused):
        undo.undo_job(job=job, user=superuser)
    assert Invoice.objects.get(pk=fee.pk).status == Invoice.Status.PAID
