"""Receipts are fixed when first issued: a later rename or new issuer details never change them."""

import datetime
import io
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from membership.billing.payments import record_manual_payment
from membership.billing.receipts import ReceiptError, issue_receipt
from membership.models import Invoice, Receipt
from tests.factories import InvoiceFactory, MemberFactory

pytestmark = pytest.mark.django_db

OLD_ISSUER = ("一般社団法人 日本消化器内視鏡技師会", "東京都千代田区神田1-1-1", "T1234567890123")
NEW_ISSUER = ("一般社団法人 新名称技師会", "大阪府大阪市北区梅田1-1-1", "T9876543210987")


def paid_invoice(member, fiscal_year=2023, day=datetime.date(2023, 6, 10)):
    invoice = InvoiceFactory(member=member, fiscal_year=fiscal_year)
    record_manual_payment(invoice_id=invoice.pk, channel=Invoice.Channel.YUCHO, paid_on=day)
    invoice.refresh_from_db()
    return invoice


def receipt_text(client, invoice):
    response = client.get(reverse("member:receipt", args=[invoice.pk]))
    assert response.status_code == 200
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def change_issuer(settings, name, address, number):
    settings.receipt_issuer_name, settings.receipt_issuer_address = name, address
    settings.invoice_registration_number = number
    settings.save()


def test_a_downloaded_receipt_keeps_its_name_and_issuer_after_they_change(member_client, member, demo_site_settings):
    invoice = paid_invoice(member)
    old_name = member.full_name
    first = receipt_text(member_client, invoice)
    assert old_name in first and all(part in first for part in OLD_ISSUER)

    member.family_name = "新姓"
    member.save()
    change_issuer(demo_site_settings, *NEW_ISSUER)

    again = receipt_text(member_client, invoice)
    assert again == first
    assert old_name in again and all(part in again for part in OLD_ISSUER)
    assert "新姓" not in again and not any(part in again for part in NEW_ISSUER)
    assert Receipt.objects.count() == 1


def test_a_receipt_first_issued_after_a_rename_has_the_new_name_and_issuer(member_client, member, demo_site_settings):
    invoice = paid_invoice(member)  # paid, but the receipt is not downloaded yet
    member.family_name = "新姓"
    member.save()
    change_issuer(demo_site_settings, *NEW_ISSUER)

    text = receipt_text(member_client, invoice)
    assert f"新姓 {member.given_name}" in text and all(part in text for part in NEW_ISSUER)
    assert not any(part in text for part in OLD_ISSUER)


def test_the_issued_receipt_holds_everything_it_prints(member, demo_site_settings):
    invoice = paid_invoice(member)
    receipt = issue_receipt(invoice)
    assert (receipt.number, receipt.addressee, receipt.member_number) == (
        "2023-000001",
        member.full_name,
        member.member_number,
    )
    assert (receipt.amount, receipt.purpose, receipt.paid_on, receipt.channel, receipt.breakdown) == (
        5000,
        "2023年度 会費として",
        datetime.date(2023, 6, 10),
        "ゆうちょ",
        "2023年度 会費",
    )
    assert (receipt.issuer_name, receipt.issuer_address, receipt.registration_number) == OLD_ISSUER
    assert receipt.issued_at is not None
    assert issue_receipt(invoice) == receipt


def test_an_unpaid_invoice_has_no_receipt(member_client, member):
    invoice = InvoiceFactory(member=member)
    with pytest.raises(ReceiptError):
        issue_receipt(invoice)
    assert member_client.get(reverse("member:receipt", args=[invoice.pk])).status_code == 404
    assert not Receipt.objects.exists()


def test_another_members_receipt_is_refused_and_not_issued(member_client):
    theirs = paid_invoice(MemberFactory())
    assert member_client.get(reverse("member:receipt", args=[theirs.pk])).status_code == 404
    assert not Receipt.objects.exists()


def test_downloading_again_reads_the_issued_receipt_only(member_client, member, demo_site_settings):
    invoice = paid_invoice(member)
    url = reverse("member:receipt", args=[invoice.pk])
    member_client.get(url)  # issues the receipt

    def download():
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get(url).status_code == 200
        return [query["sql"].lower() for query in queries]

    again = download()
    assert not any("societysettings" in sql or sql.lstrip().startswith("insert") for sql in again)
    for year in range(2015, 2023):
        issue_receipt(paid_invoice(member, fiscal_year=year, day=datetime.date(year, 6, 1)))
    assert len(download()) == len(again)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts only block on PostgreSQL")
def test_two_first_downloads_at_once_issue_one_receipt():
    """The second download INSERTs while the first has not committed yet: it waits on the primary
    key, then reads the first one's row instead of failing."""
    invoice = paid_invoice(MemberFactory())
    inserted, results, errors = threading.Event(), {}, []

    def first():
        with transaction.atomic():
            results["first"] = issue_receipt(Invoice.objects.get(pk=invoice.pk))
            inserted.set()
            time.sleep(0.5)  # the second one is blocked on the INSERT by now

    def second():
        inserted.wait(timeout=10)
        results["second"] = issue_receipt(Invoice.objects.get(pk=invoice.pk))

    def run(call):
        try:
            call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert results["first"].issued_at == results["second"].issued_at
    assert Receipt.objects.filter(invoice=invoice).count() == 1


def test_a_guests_receipt_names_the_guest_number(client, demo_site_settings):
    from tests.factories import guest_member

    guest = guest_member("G0000004")
    client.force_login(guest.user)
    text = receipt_text(client, paid_invoice(guest))
    assert "ゲストユーザー番号" in text and "G0000004" in text and "会員番号" not in text


def test_a_members_receipt_names_the_member_number(member_client, member, demo_site_settings):
    text = receipt_text(member_client, paid_invoice(member))
    assert "会員番号" in text and "ゲストユーザー番号" not in text
