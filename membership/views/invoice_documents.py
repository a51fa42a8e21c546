"""請求書 on 会費支払い明細 (guide 4): the member chooses the addressee of an unpaid invoice's
請求書 and downloads it; the rule and the document are ``billing/invoice_documents.py``."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..billing.errors import BillingError
from ..billing.invoice_documents import issue_invoice_document, refusal, render_invoice_document_pdf
from ..forms import InvoiceDocumentForm
from ..models import Invoice, InvoiceDocument
from ..shell import members_area


def _unpaid_or_back(request, invoice_id):
    """The member's own invoice (404 for anyone else's), or a redirect to the dues page saying why not."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, member=request.user.member)
    reason = refusal(invoice)
    if reason:
        messages.info(request, reason)
        return invoice, redirect("member:dues")
    return invoice, None


@members_area
@require_http_methods(["GET", "POST"])
def invoice_document(request, invoice_id):
    """請求書の発行: choose the addressee; 請求書をダウンロード issues it (or re-addresses it) and downloads."""
    member = request.user.member
    invoice, back = _unpaid_or_back(request, invoice_id)
    if back:
        return back
    initial = {"bill_to": invoice.bill_to, "attention": invoice.bill_to_attention}
    form = InvoiceDocumentForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            issue_invoice_document(
                invoice_id=invoice.pk,
                member=member,
                bill_to=form.cleaned_data["bill_to"],
                attention=form.cleaned_data["attention"],
                user=request.user,
            )
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("member:invoice_document_pdf", invoice_id=invoice.pk)
    issued = InvoiceDocument.objects.filter(invoice=invoice).first()
    return render(request, "membership/invoice_document.html", {"invoice": invoice, "form": form, "issued": issued})


@members_area
@require_http_methods(["GET"])
def invoice_document_pdf(request, invoice_id):
    """The issued 請求書 as PDF, the same on every download; none issued yet → the addressee page."""
    invoice, back = _unpaid_or_back(request, invoice_id)
    if back:
        return back
    document = InvoiceDocument.objects.filter(invoice=invoice).first()
    if document is None:
        return redirect("member:invoice_document", invoice_id=invoice.pk)
    response = HttpResponse(render_invoice_document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
