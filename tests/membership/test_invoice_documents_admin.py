"""請求書 in the admin: the same document the member downloads, and 請求書の一括作成 as one PDF or a ZIP."""

import datetime
import io
import os
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from membership.billing.invoice_document_batches import batch_files
from membership.billing.invoice_documents import issue_invoice_document
from membership.billing.payments import record_manual_payment
from membership.models import Invoice, InvoiceDocument, InvoiceDocumentBatch
from tests.factories import InvoiceFactory, MemberFactory, UserFactory, user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

BANK = "ゆうちょ銀行 〇一八店 当座 0123456"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT


@pytest.fixture
def issuer(demo_site_settings):
    demo_site_settings.invoice_bank_account = BANK
    demo_site_settings.save()
    return demo_site_settings


def pdf_pages(content):
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def member_numbered(number, **kwargs):
    return MemberFactory(user=UserFactory(username=number), **kwargs)


def seikyusho_url(invoice):
    return reverse("wagtailsnippets_membership_invoice:seikyusho", args=[invoice.pk])


def test_staff_download_the_same_document_the_member_downloaded(staff_client, client, issuer):
    member = member_numbered("0030001", workplace_name="東都中央病院")
    invoice = InvoiceFactory(member=member, fiscal_year=2026)
    document = issue_invoice_document(invoice_id=invoice.pk, member=member, bill_to="workplace", attention="佐藤")
    member_client = type(client)()
    member_client.force_login(member.user)
    member_text = pdf_pages(member_client.get(reverse("member:invoice_document_pdf", args=[invoice.pk])).content)

    inspect = staff_client.get(reverse("wagtailsnippets_membership_invoice:inspect", args=[invoice.pk]))
    assert seikyusho_url(invoice) in inspect.content.decode()
    form = staff_client.get(seikyusho_url(invoice)).content.decode()
    assert "東都中央病院 御中" in form and "佐藤" in form  # the member's choice, preselected

    response = staff_client.post(seikyusho_url(invoice), {"bill_to": "workplace", "attention": "佐藤"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf_pages(response.content) == member_text
    assert "東都中央病院" in member_text[0] and BANK in member_text[0]
    assert InvoiceDocument.objects.get().issued_at == document.issued_at  # not re-issued


def test_a_paid_invoice_has_no_seikyusho_in_the_admin(staff_client, issuer):
    invoice = InvoiceFactory()
    record_manual_payment(invoice_id=invoice.pk, channel=Invoice.Channel.COUNTER, paid_on=datetime.date(2025, 5, 1))
    inspect = staff_client.get(reverse("wagtailsnippets_membership_invoice:inspect", args=[invoice.pk]))
    assert seikyusho_url(invoice) not in inspect.content.decode()
    assert "入金済みです" in staff_client.get(seikyusho_url(invoice)).content.decode()
    response = staff_client.post(seikyusho_url(invoice), {"bill_to": "member"})
    assert response["Content-Type"] != "application/pdf" and not InvoiceDocument.objects.exists()


@pytest.fixture
def year_of_dues(db, issuer):
    """2026: three unpaid dues (one already addressed to a hospital by its member), one paid, and
    unpaid dues of another year and a seminar fee, which a 2026 dues batch leaves out."""
    members = [
        member_numbered(number, workplace_name=workplace)
        for number, workplace in (("0040003", ""), ("0040001", "北病院"), ("0040002", "南クリニック"))
    ]
    unpaid = [InvoiceFactory(member=member, fiscal_year=2026, amount=5000) for member in members]
    issue_invoice_document(invoice_id=unpaid[1].pk, bill_to="workplace", attention="経理課")
    Invoice.objects.filter(pk=unpaid[2].pk).update(bill_to="workplace")  # chosen, not downloaded yet
    paid = InvoiceFactory(member=member_numbered("0040004"), fiscal_year=2026)
    record_manual_payment(invoice_id=paid.pk, channel=Invoice.Channel.TRANSFER, paid_on=datetime.date(2026, 5, 1))
    InvoiceFactory(member=members[0], fiscal_year=2025)
    InvoiceFactory(member=members[0], fiscal_year=2026, category=Invoice.Category.SEMINAR_FEE, subject="seminar:9")
    return members


def run_batch(staff_client, capture, fmt):
    url = reverse("invoice_documents_admin:batch")
    page = staff_client.get(url, {"fiscal_year": 2026, "category": "dues"}).content.decode()
    assert "3件" in page
    with capture(execute=True):
        response = staff_client.post(url, {"fiscal_year": 2026, "category": "dues", "format": fmt})
    batch = InvoiceDocumentBatch.objects.get()
    assert response.url == reverse("invoice_documents_admin:batch_progress", args=[batch.pk])
    progress = staff_client.get(response.url).content.decode()
    assert "完了" in progress and "3 / 3件" in progress
    download = staff_client.get(reverse("invoice_documents_admin:batch_download", args=[batch.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def test_a_batch_as_one_pdf_has_one_page_per_unpaid_invoice_in_member_number_order(
    staff_client, year_of_dues, django_capture_on_commit_callbacks
):
    pages = pdf_pages(run_batch(staff_client, django_capture_on_commit_callbacks, "pdf"))
    assert len(pages) == 3
    assert ["0040001" in pages[0], "0040002" in pages[1], "0040003" in pages[2]] == [True] * 3
    assert "北病院" in pages[0] and "ご担当 経理課 様" in pages[0]  # as the member issued it
    assert "南クリニック 御中" in pages[1]  # the remembered choice
    assert f"{year_of_dues[0].full_name} 様" in pages[2]
    assert all("¥5,000" in page and BANK in page and "T1234567890123" in page for page in pages)
    assert InvoiceDocument.objects.count() == 3


def test_a_batch_as_a_zip_has_one_pdf_per_invoice(staff_client, year_of_dues, django_capture_on_commit_callbacks):
    archive = zipfile.ZipFile(io.BytesIO(run_batch(staff_client, django_capture_on_commit_callbacks, "zip")))
    names = sorted(archive.namelist())
    assert names == sorted(f"seikyusho-{document.number}.pdf" for document in InvoiceDocument.objects.all())
    texts = [pdf_pages(archive.read(name)) for name in names]
    assert all(len(pages) == 1 and "¥5,000" in pages[0] for pages in texts)


def test_a_batch_with_nothing_unpaid_is_refused(staff_client, issuer):
    response = staff_client.post(
        reverse("invoice_documents_admin:batch"),
        {"fiscal_year": 2030, "category": "dues", "format": "pdf"},
        follow=True,
    )
    assert "2030年度の会費に未納の請求はありません" in response.content.decode()
    assert not InvoiceDocumentBatch.objects.exists()


def test_editors_cannot_make_or_download_batches(
    client, year_of_dues, staff_client, django_capture_on_commit_callbacks
):
    run_batch(staff_client, django_capture_on_commit_callbacks, "pdf")
    batch = InvoiceDocumentBatch.objects.get()
    staff_client.logout()
    log_in_staff(client, user_in("編集者"))
    invoice = Invoice.objects.filter(status="unpaid").first()
    for url in (
        reverse("invoice_documents_admin:batch"),
        reverse("invoice_documents_admin:batch_progress", args=[batch.pk]),
        reverse("invoice_documents_admin:batch_download", args=[batch.pk]),
        seikyusho_url(invoice),
    ):
        assert client.get(url).status_code in (302, 403), url


def test_batch_files_are_deleted_after_their_retention_and_the_download_says_so(
    staff_client, year_of_dues, django_capture_on_commit_callbacks
):
    run_batch(staff_client, django_capture_on_commit_callbacks, "pdf")
    batch = InvoiceDocumentBatch.objects.get()
    stored = batch_files().path(batch.file_name)
    assert os.path.exists(stored)

    call_command("purge_invoice_batches", "--days", "30", stdout=io.StringIO())  # finished just now: kept
    assert os.path.exists(stored)

    InvoiceDocumentBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))
    out = io.StringIO()
    call_command("purge_invoice_batches", "--days", "30", stdout=out)
    assert "1 batch file(s) deleted" in out.getvalue()
    assert not os.path.exists(stored)
    response = staff_client.get(reverse("invoice_documents_admin:batch_download", args=[batch.pk]), follow=True)
    assert "保存期間を過ぎたため、このファイルは削除しました。" in response.content.decode()
    call_command("purge_invoice_batches", "--days", "30", stdout=out)
    assert "0 batch file(s) deleted" in out.getvalue()
