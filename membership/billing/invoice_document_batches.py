"""請求書の一括作成: a fiscal year's unpaid invoices' 請求書 as one PDF (to print and mail) or a ZIP
of one PDF each, made in the background with progress on an ``InvoiceDocumentBatch`` row.

Each invoice gets the same document the member downloads (``invoice_documents``): one already
issued is used as it is; the others are issued now with the addressee remembered on the invoice
(a workplace that has lost its name falls back to the member). Rendering is the slow part
(about 10 ms a page inside one PDF, 70 ms for a PDF of its own), so the documents are rendered
in chunks, the progress stored after each; the ZIP's single PDFs are cut from the chunks' pages. The file is kept in ``PRIVATE_FILES_ROOT``
(personal data: names and addresses), never under a public URL; staff download it through the
admin.
"""

import datetime
import io
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from wagtail.log_actions import log

from cms_pages.models import society_settings
from core.outbox import enqueue_with_transaction

from ..models import Invoice, InvoiceDocument, InvoiceDocumentBatch
from .errors import BillingError
from .invoice_documents import BILL_TO_MEMBER, render_invoice_documents_pdf, snapshot

INVOICE_DOCUMENT_BATCH_ACTION = "membership.invoice_document_batch.requested"

# Documents rendered per xhtml2pdf call (one PDF part, merged into the batch's PDF).
CHUNK = 50


def batch_files():
    """Where batch files live: ``PRIVATE_FILES_ROOT/invoice_documents`` (read at call time)."""
    return FileSystemStorage(
        location=Path(settings.PRIVATE_FILES_ROOT) / "invoice_documents",
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


def batch_invoices(*, fiscal_year, category):
    """The invoices a batch covers: unpaid, of ``fiscal_year`` and ``category``, by member number."""
    return Invoice.objects.filter(fiscal_year=fiscal_year, category=category, status=Invoice.Status.UNPAID).order_by(
        "member__member_number", "pk"
    )


def request_invoice_document_batch(*, fiscal_year, category, format, user):
    """Start 請求書の一括作成 in the background; refused when there is nothing to make."""
    if format not in InvoiceDocumentBatch.Format.values:
        raise BillingError("形式を選んでください。")
    if category not in Invoice.Category.values:
        raise BillingError("請求区分を選んでください。")
    with transaction.atomic():
        total = batch_invoices(fiscal_year=fiscal_year, category=category).count()
        if not total:
            label = Invoice.Category(category).label
            raise BillingError(f"{fiscal_year}年度の{label}に未納の請求はありません。")
        batch = InvoiceDocumentBatch.objects.create(
            fiscal_year=fiscal_year, category=category, format=format, total=total, requested_by=user
        )
        log(
            instance=batch,
            action=INVOICE_DOCUMENT_BATCH_ACTION,
            user=user,
            uuid=uuid.uuid4(),
            data={"fiscal_year": fiscal_year, "category": category, "format": format, "total": total},
        )
        from .tasks import make_invoice_document_batch_task  # tasks import the services

        enqueue_with_transaction(make_invoice_document_batch_task, batch_id=batch.pk)
    return batch


def issue_missing_documents(invoices):
    """Issue the 請求書 of those ``invoices`` that have none, in bulk; returns every one's document."""
    invoices = list(invoices.select_related("member"))
    have = set(InvoiceDocument.objects.filter(invoice__in=invoices).values_list("invoice_id", flat=True))
    issuer, today = society_settings(), timezone.localdate()
    new = []
    for invoice in invoices:
        if invoice.pk in have:
            continue
        try:
            fields = snapshot(
                invoice, bill_to=invoice.bill_to, attention=invoice.bill_to_attention, issuer=issuer, today=today
            )
        except BillingError:  # the workplace has no name any more
            fields = snapshot(invoice, bill_to=BILL_TO_MEMBER, attention="", issuer=issuer, today=today)
        new.append(InvoiceDocument(invoice=invoice, **fields))
    try:
        with transaction.atomic():
            InvoiceDocument.objects.bulk_create(new, batch_size=500)
    except IntegrityError:  # a member issued one meanwhile: keep theirs, add the rest
        InvoiceDocument.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    documents = InvoiceDocument.objects.in_bulk([invoice.pk for invoice in invoices])
    return [documents[invoice.pk] for invoice in invoices]


def make_invoice_document_batch(*, batch_id):
    """The background side: issue, render in chunks (progress after each), store the file."""
    batch = InvoiceDocumentBatch.objects.get(pk=batch_id)
    rows = InvoiceDocumentBatch.objects.filter(pk=batch_id)
    rows.update(state=InvoiceDocumentBatch.State.RUNNING, done=0)
    try:
        documents = issue_missing_documents(batch_invoices(fiscal_year=batch.fiscal_year, category=batch.category))
        rows.update(total=len(documents))
        output = io.BytesIO()
        if batch.format == InvoiceDocumentBatch.Format.ZIP:
            _write_zip(output, documents, progress=lambda done: rows.update(done=done))
        else:
            _write_pdf(output, documents, progress=lambda done: rows.update(done=done))
        name = batch_files().save(f"{batch.pk}-{uuid.uuid4().hex}.{batch.format}", ContentFile(output.getvalue()))
    except Exception as error:
        rows.update(state=InvoiceDocumentBatch.State.FAILED, error=str(error)[:300], finished_at=timezone.now())
        raise
    rows.update(state=InvoiceDocumentBatch.State.DONE, file_name=name, done=len(documents), finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def _write_pdf(output, documents, *, progress):
    writer = PdfWriter()
    for start in range(0, len(documents), CHUNK):
        part = documents[start : start + CHUNK]
        writer.append(PdfReader(io.BytesIO(render_invoice_documents_pdf(part))))
        progress(start + len(part))
    writer.write(output)


def _write_zip(output, documents, *, progress):
    """One PDF per document, cut from the chunk's PDF (one page each: 7x faster than a render each)."""
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for start in range(0, len(documents), CHUNK):
            part = documents[start : start + CHUNK]
            for document, content in zip(part, _single_pdfs(part), strict=True):
                archive.writestr(document.filename, content)
            progress(start + len(part))


def _single_pdfs(part):
    pages = PdfReader(io.BytesIO(render_invoice_documents_pdf(part))).pages
    if len(pages) != len(part):  # a document ran over one page: render each on its own
        return [render_invoice_documents_pdf([document]) for document in part]
    singles = []
    for page in pages:
        writer = PdfWriter()
        writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        singles.append(buffer.getvalue())
    return singles


def open_batch_file(batch):
    """The finished batch's file, opened for reading (``BillingError`` if it is not there)."""
    if batch.state == InvoiceDocumentBatch.State.DONE and not batch.file_name:
        raise BillingError(PURGED_MESSAGE)
    if batch.state != InvoiceDocumentBatch.State.DONE or not batch.file_name:
        raise BillingError("この一括作成はまだ終わっていません。")
    storage = batch_files()
    if not storage.exists(batch.file_name):
        raise BillingError("ファイルが見つかりません。もう一度作成してください。")
    return storage.open(batch.file_name, "rb")


PURGED_MESSAGE = "保存期間を過ぎたため、このファイルは削除しました。必要なら、もう一度作成してください。"


def purge_batch_files(*, days, now=None):
    """Delete the files of batches finished more than ``days`` days ago: they hold members'
    names, addresses and workplaces, and every 請求書 in them can be made again from its frozen
    InvoiceDocument. The batch row stays (who made what, when); its download says the file was
    deleted. Returns how many files were deleted. Running it again deletes nothing more."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days)
    storage = batch_files()
    batches = InvoiceDocumentBatch.objects.filter(finished_at__lt=cutoff).exclude(file_name="")
    deleted = 0
    for pk, name in batches.order_by("pk").values_list("pk", "file_name"):
        storage.delete(name)  # the file first: if the update never happens, the next run retries
        deleted += InvoiceDocumentBatch.objects.filter(pk=pk, file_name=name).update(file_name="")
    return deleted
