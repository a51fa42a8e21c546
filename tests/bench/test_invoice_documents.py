"""BENCH invoice_documents_pdf_per_s / invoice_documents_zip_per_s: 請求書の一括作成 of unpaid dues
invoices, as one PDF and as a ZIP of one PDF each, in documents per second.

Times ``make_invoice_document_batch`` (issuing the documents in bulk, rendering, merging or
zipping, storing the file) as the background task runs it. The documents issued by the first run
are deleted before the second, so both issue and render all of them. One run each of 200
documents (a run of 1,000 took 80–100 s on a loaded machine and the rate is the same): rendering
(xhtml2pdf) is nearly all of it. ``…_kb_per_document``: the file's size over the documents.
"""

import datetime
import time

import pytest

from membership.billing.invoice_document_batches import make_invoice_document_batch
from membership.models import Invoice, InvoiceDocument, InvoiceDocumentBatch, Member, User

INVOICES = 200
FISCAL_YEAR = 2026


def create_invoices():
    users = User.objects.bulk_create(
        [User(username=f"8{n:06d}", kind=User.Kind.MEMBER, password="!") for n in range(INVOICES)], batch_size=1000
    )
    members = Member.objects.bulk_create(
        [
            Member(
                user_id=user.pk,
                member_number=user.username,
                family_name="試験",
                given_name=f"会員{n}",
                joined_on=datetime.date(2020, 4, 1),
                workplace_name="試験病院" if n % 2 else "",
                home_postal_code="100-0001",
                home_prefecture="東京都",
                home_address1="千代田区千代田1-1",
            )
            for n, user in enumerate(users)
        ],
        batch_size=1000,
    )
    Invoice.objects.bulk_create(
        [
            Invoice(
                member=member,
                category=Invoice.Category.DUES,
                fiscal_year=FISCAL_YEAR,
                subject=f"dues:{FISCAL_YEAR}",
                amount=5000,
                bill_to="workplace" if n % 2 else "member",
            )
            for n, member in enumerate(members)
        ],
        batch_size=1000,
    )


@pytest.mark.django_db(transaction=True)
def test_invoice_document_batches(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    create_invoices()
    for fmt in (InvoiceDocumentBatch.Format.PDF, InvoiceDocumentBatch.Format.ZIP):
        InvoiceDocument.objects.all().delete()
        batch = InvoiceDocumentBatch.objects.create(fiscal_year=FISCAL_YEAR, category="dues", format=fmt)
        start = time.perf_counter()
        batch = make_invoice_document_batch(batch_id=batch.pk)
        elapsed = time.perf_counter() - start
        assert (batch.state, batch.done) == (InvoiceDocumentBatch.State.DONE, INVOICES)
        size = (tmp_path / "private" / "invoice_documents" / batch.file_name).stat().st_size
        print(f"\nBENCH invoice_documents_{fmt}_per_s {INVOICES / elapsed:.1f} 1/s")
        print(f"BENCH invoice_documents_{fmt}_kb_per_document {size / 1e3 / INVOICES:.1f} kB")
