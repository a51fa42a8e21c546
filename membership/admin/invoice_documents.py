"""請求書 in the admin: one invoice's 請求書 (the same document the member downloads) from its
inspect page, and 請求書の一括作成 (``/admin/invoice-documents/``): a fiscal year's unpaid invoices as
one PDF or a ZIP, made in the background with a progress page. The rules are
``billing/invoice_documents.py`` and ``billing/invoice_document_batches.py``."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views import View
from wagtail.admin import messages
from wagtail.log_actions import LogFormatter

from core.dates import current_fiscal_year

from ..billing.errors import BillingError
from ..billing.invoice_document_batches import (
    INVOICE_DOCUMENT_BATCH_ACTION,
    batch_invoices,
    open_batch_file,
    request_invoice_document_batch,
)
from ..billing.invoice_documents import (
    INVOICE_DOCUMENT_ISSUED_ACTION,
    issue_invoice_document,
    refusal,
    render_invoice_document_pdf,
)
from ..forms import InvoiceDocumentForm
from ..models import Invoice, InvoiceDocumentBatch
from .dues import MoneyScreen
from .invoice_actions import InvoiceActionView
from .money import REMIND_PERMISSION, url_with

BATCH_PERMISSION = REMIND_PERMISSION  # 事務局: those who may change invoices (and mail reminders)


class InvoiceDocumentIssuedLogFormatter(LogFormatter):
    label = "請求書の発行"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        verb = "宛名を変えて発行しました" if data.get("reissued") else "発行しました"
        return f"請求書 {data.get('number', '')} を{verb}(宛名 {data.get('addressee', '')})"


class InvoiceDocumentBatchLogFormatter(LogFormatter):
    label = "請求書の一括作成"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        category = dict(Invoice.Category.choices).get(data.get("category"), "")
        return f"{data.get('fiscal_year', '')}年度 {category}の請求書を一括作成しました({data.get('total', 0):,}件)"


LOG_ACTIONS = {
    INVOICE_DOCUMENT_ISSUED_ACTION: InvoiceDocumentIssuedLogFormatter,
    INVOICE_DOCUMENT_BATCH_ACTION: InvoiceDocumentBatchLogFormatter,
}


class InvoiceDocumentView(InvoiceActionView):
    """請求書PDF: the addressee the member chose (or another), then the PDF."""

    page_title = "請求書PDF"
    form_class = InvoiceDocumentForm
    submit_label = "請求書をダウンロード"
    explanation = (
        "会員が選んだ宛名で発行済みの請求書があれば、同じ請求書をダウンロードします。"
        "宛名を変えると、同じ請求書番号・請求日で宛名が変わり、会員の画面でも新しい宛名になります。"
    )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "member": self.object.member,
            "initial": {"bill_to": self.object.bill_to, "attention": self.object.bill_to_attention},
        }

    def blocked_reason(self):
        return refusal(self.object) or ""

    def warnings(self):
        return []

    def form_valid(self, form):
        try:
            document = issue_invoice_document(
                invoice_id=self.object.pk,
                bill_to=form.cleaned_data["bill_to"],
                attention=form.cleaned_data["attention"],
                user=self.request.user,
            )
        except BillingError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        response = HttpResponse(render_invoice_document_pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response


class InvoiceDocumentBatchView(MoneyScreen):
    permission = BATCH_PERMISSION
    template_name = "membership/admin/invoice_document_batch.html"
    page_title = "請求書の一括作成"
    header_icon = "doc-full-inverse"

    def selection(self, data):
        try:
            year = int(data.get("fiscal_year", ""))
        except ValueError:
            year = current_fiscal_year()
        category = data.get("category")
        return year, category if category in Invoice.Category.values else Invoice.Category.DUES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year, category = self.selection(self.request.GET)
        years = set(
            Invoice.objects.filter(status=Invoice.Status.UNPAID).values_list("fiscal_year", flat=True).distinct()
        )
        context.update(
            fiscal_year=year,
            category=category,
            years=sorted(years | {year}, reverse=True),
            categories=Invoice.Category.choices,
            formats=InvoiceDocumentBatch.Format.choices,
            count=batch_invoices(fiscal_year=year, category=category).count(),
            batches=InvoiceDocumentBatch.objects.select_related("requested_by")[:10],
        )
        return context

    def post(self, request, *args, **kwargs):
        year, category = self.selection(request.POST)
        try:
            batch = request_invoice_document_batch(
                fiscal_year=year, category=category, format=request.POST.get("format", ""), user=request.user
            )
        except BillingError as error:
            messages.error(request, str(error))
            return redirect(url_with("invoice_documents_admin:batch", fiscal_year=year, category=category))
        return redirect("invoice_documents_admin:batch_progress", batch_id=batch.pk)


class InvoiceDocumentBatchProgressView(MoneyScreen):
    """The progress of one 一括作成; the page reloads itself until it is done."""

    permission = BATCH_PERMISSION
    template_name = "membership/admin/invoice_document_batch_progress.html"
    page_title = "請求書の一括作成の進み具合"
    header_icon = "doc-full-inverse"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = InvoiceDocumentBatch.objects.filter(pk=self.kwargs["batch_id"]).first()
        if batch is None:
            raise Http404
        context.update(
            batch=batch,
            back_url=url_with("invoice_documents_admin:batch", fiscal_year=batch.fiscal_year, category=batch.category),
        )
        return context


class InvoiceDocumentBatchDownloadView(View):
    def get(self, request, batch_id):
        if not request.user.has_perm(BATCH_PERMISSION):
            raise PermissionDenied
        batch = InvoiceDocumentBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise Http404
        try:
            handle = open_batch_file(batch)
        except BillingError as error:
            messages.error(request, str(error))
            return redirect("invoice_documents_admin:batch_progress", batch_id=batch.pk)
        content_type = "application/zip" if batch.format == InvoiceDocumentBatch.Format.ZIP else "application/pdf"
        return FileResponse(handle, as_attachment=True, filename=batch.download_name, content_type=content_type)


urlpatterns = [
    path("", InvoiceDocumentBatchView.as_view(), name="batch"),
    path("batches/<int:batch_id>/", InvoiceDocumentBatchProgressView.as_view(), name="batch_progress"),
    path("batches/<int:batch_id>/download", InvoiceDocumentBatchDownloadView.as_view(), name="batch_download"),
]
