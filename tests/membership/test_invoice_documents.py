"""請求書 for an unpaid invoice: addressed to the member or their workplace, read back from the PDF,
the same on every download, refused for paid invoices and for other members."""

import datetime
import io
import re
import threading
import time

import pytest
import time_machine
from django.db import connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from membership.billing.invoice_documents import issue_invoice_document
from membership.billing.payments import record_manual_payment
from membership.models import Invoice, InvoiceDocument
from tests.factories import InvoiceFactory, MemberFactory

pytestmark = pytest.mark.django_db

BANK = "みずほ銀行 神田支店 普通 1234567\n口座名義 シャ)ニホンショウカキナイシキョウギシカイ"
TODAY = datetime.datetime(2026, 5, 11, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def issuer(demo_site_settings):
    demo_site_settings.invoice_bank_account = BANK
    demo_site_settings.invoice_due_days = 30
    demo_site_settings.save()
    return demo_site_settings


@pytest.fixture
def hospital_member(member):
    member.workplace_name = "東都中央病院"
    member.workplace_postal_code = "1010041"
    member.workplace_prefecture = "東京都"
    member.workplace_address1 = "千代田区神田須田町1-2"
    member.save()
    return member


def page_url(invoice):
    return reverse("member:invoice_document", args=[invoice.pk])


def pdf_url(invoice):
    return reverse("member:invoice_document_pdf", args=[invoice.pk])


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def download(client, invoice, **choice):
    """POST the addressee form, follow to the PDF and read it back."""
    response = client.post(page_url(invoice), choice)
    assert response.status_code == 302 and response.url == pdf_url(invoice)
    response = client.get(pdf_url(invoice))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


@time_machine.travel(TODAY, tick=False)
def test_a_member_downloads_a_seikyusho_addressed_to_themselves(member_client, member, issuer):
    invoice = InvoiceFactory(member=member, fiscal_year=2026, amount=5000)
    assert "請求書" in member_client.get(reverse("member:dues")).content.decode()

    text = download(member_client, invoice, bill_to="member")

    assert f"{member.full_name} 様" in text
    assert f"S2026-{invoice.pk:07d}" in text
    assert "¥5,000" in text and "2026年度 会費" in text
    assert "請求日 2026年5月11日" in text
    assert "お支払期限 2026年6月10日" in text  # 30 days, the setting
    assert "みずほ銀行 神田支店 普通 1234567" in text
    assert "登録番号 T1234567890123" in text
    assert "不課税" in text and "10%対象" in text
    assert member.member_number in text


@time_machine.travel(TODAY, tick=False)
def test_a_workplace_seikyusho_names_the_facility_and_the_person_in_charge(member_client, hospital_member, issuer):
    invoice = InvoiceFactory(member=hospital_member, fiscal_year=2026, amount=7000)

    text = download(member_client, invoice, bill_to="workplace", attention="総務課 佐藤 花子")

    assert "東都中央病院" in text and "御中" not in text  # a person in charge takes 様 instead
    assert "ご担当 総務課 佐藤 花子 様" in text
    assert "〒1010041" in text and "東京都千代田区神田須田町1-2" in text
    assert f"会員 {hospital_member.full_name} 様" in text  # whose dues the facility pays
    assert "¥7,000" in text and "お支払期限 2026年6月10日" in text
    invoice.refresh_from_db()
    assert (invoice.bill_to, invoice.bill_to_attention) == ("workplace", "総務課 佐藤 花子")


@pytest.mark.parametrize("typed", ["総務課 佐藤 花子 様", "総務課 佐藤 花子様", "総務課 佐藤 花子　殿"])
def test_an_honorific_typed_after_the_person_in_charge_is_not_printed_twice(
    member_client, hospital_member, issuer, typed
):
    invoice = InvoiceFactory(member=hospital_member)
    text = download(member_client, invoice, bill_to="workplace", attention=typed)
    assert "ご担当 総務課 佐藤 花子 様" in text and "様 様" not in text and "殿" not in text


def test_without_a_person_in_charge_the_facility_is_gochu(member_client, hospital_member, issuer):
    invoice = InvoiceFactory(member=hospital_member)
    assert "東都中央病院 御中" in download(member_client, invoice, bill_to="workplace", attention="")


def test_downloading_again_gives_the_same_document_after_profile_and_settings_change(
    member_client, hospital_member, issuer
):
    invoice = InvoiceFactory(member=hospital_member)
    with time_machine.travel(TODAY, tick=False):
        first = download(member_client, invoice, bill_to="workplace", attention="佐藤")

    hospital_member.workplace_name = "西都病院"
    hospital_member.save()
    issuer.invoice_bank_account = "別の銀行"
    issuer.invoice_due_days = 10
    issuer.invoice_registration_number = "T9876543210987"
    issuer.save()

    with time_machine.travel(TODAY + datetime.timedelta(days=20), tick=False):
        # The page remembers the choice; downloading from it, or from the link, gives the same text.
        page = member_client.get(page_url(invoice)).content.decode()
        assert re.search(r'value="workplace"[^>]*checked', page) and 'value="佐藤"' in page
        again = download(member_client, invoice, bill_to="workplace", attention="佐藤")
        direct = pdf_text(member_client.get(pdf_url(invoice)).content)
    assert again == first == direct
    assert "東都中央病院" in again and "西都病院" not in again and "別の銀行" not in again
    assert InvoiceDocument.objects.count() == 1


def test_a_new_addressee_keeps_the_number_and_dates(member_client, hospital_member, issuer):
    invoice = InvoiceFactory(member=hospital_member)
    with time_machine.travel(TODAY, tick=False):
        download(member_client, invoice, bill_to="workplace")
    with time_machine.travel(TODAY + datetime.timedelta(days=5), tick=False):
        text = download(member_client, invoice, bill_to="member")
    assert f"{hospital_member.full_name} 様" in text and "東都中央病院" not in text
    assert "請求日 2026年5月11日" in text and "お支払期限 2026年6月10日" in text
    assert InvoiceDocument.objects.get().number == f"S2025-{invoice.pk:07d}"


def test_workplace_without_a_name_is_refused_next_to_the_choice(member_client, member, issuer):
    invoice = InvoiceFactory(member=member)
    response = member_client.post(page_url(invoice), {"bill_to": "workplace"})
    assert response.status_code == 200
    assert "会員詳細に勤務先名が登録されていません" in response.content.decode()
    assert not InvoiceDocument.objects.exists()


def test_seminar_fees_show_ten_percent_consumption_tax(member_client, member, issuer):
    invoice = InvoiceFactory(member=member, category=Invoice.Category.SEMINAR_FEE, subject="seminar:1", amount=11000)
    text = download(member_client, invoice, bill_to="member")
    assert "¥11,000" in text and "1,000円" in text  # 11,000 × 10/110
    # the breakdown by tax rate that a qualified invoice (適格請求書) must carry
    assert "10%対象 11,000円(税込、うち消費税額 1,000円)" in text and "不課税 0円" in text
    assert InvoiceDocument.objects.get().tax_amount == 1000
    assert "※不課税" not in text


def test_the_pdf_link_before_any_issue_leads_to_the_addressee_page(member_client, member, issuer):
    invoice = InvoiceFactory(member=member)
    assert member_client.get(pdf_url(invoice)).url == page_url(invoice)


def test_a_paid_invoice_gets_no_seikyusho_but_the_receipt(member_client, member, issuer):
    invoice = InvoiceFactory(member=member)
    record_manual_payment(invoice_id=invoice.pk, channel=Invoice.Channel.TRANSFER, paid_on=datetime.date(2025, 6, 1))
    for response in (
        member_client.get(page_url(invoice)),
        member_client.get(pdf_url(invoice)),
        member_client.post(page_url(invoice), {"bill_to": "member"}),
    ):
        assert response.status_code == 302 and response.url == reverse("member:dues")
    dues = member_client.get(reverse("member:dues")).content.decode()
    assert "入金済みです。請求書ではなく領収書" in dues
    assert "invoice-document-link" not in dues and "receipt-link" in dues
    assert not InvoiceDocument.objects.exists()


def test_another_members_invoice_is_not_found(client, member, issuer):
    invoice = InvoiceFactory(member=member)
    issue_invoice_document(invoice_id=invoice.pk, member=member, bill_to="member")
    other = MemberFactory()
    client.force_login(other.user)
    assert client.get(page_url(invoice)).status_code == 404
    assert client.get(pdf_url(invoice)).status_code == 404
    assert client.post(page_url(invoice), {"bill_to": "member"}).status_code == 404
    invoice.refresh_from_db()
    assert invoice.bill_to == "member"


def test_not_logged_in_goes_to_the_login_page(client, member):
    invoice = InvoiceFactory(member=member)
    for url in (page_url(invoice), pdf_url(invoice)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("member:login") in response.url


def test_issuing_is_in_the_invoice_history(member, issuer):
    from wagtail.models import ModelLogEntry

    invoice = InvoiceFactory(member=member)
    issue_invoice_document(invoice_id=invoice.pk, member=member, bill_to="member", user=member.user)
    issue_invoice_document(invoice_id=invoice.pk, member=member, bill_to="member", user=member.user)  # the same
    entries = ModelLogEntry.objects.filter(action="membership.invoice.document_issued", object_id=str(invoice.pk))
    assert entries.count() == 1 and entries.get().user_id == member.user_id


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks only block on PostgreSQL")
def test_two_first_issues_at_once_make_one_document():
    """The second issue waits on the invoice's row lock until the first committed, then
    re-addresses the first one's document instead of failing on a second INSERT."""
    member = MemberFactory(workplace_name="東都中央病院")
    invoice = InvoiceFactory(member=member)
    issued, results, errors = threading.Event(), {}, []

    def first():
        with transaction.atomic():
            results["first"] = issue_invoice_document(invoice_id=invoice.pk, bill_to="workplace")
            issued.set()
            time.sleep(0.5)  # the second one is waiting for the lock by now

    def second():
        issued.wait(timeout=10)
        results["second"] = issue_invoice_document(invoice_id=invoice.pk, bill_to="member")

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
    document = InvoiceDocument.objects.get(invoice=invoice)
    assert (document.bill_to, document.number) == ("member", results["first"].number)
    assert Invoice.objects.get(pk=invoice.pk).bill_to == "member"
