"""Receipts (領収書) as PDF, with the shipped IPAex Gothic embedded.

The content depends only on the invoice and the site settings, so downloading a receipt again
gives the same text; the number was fixed when the invoice was paid (billing.next_receipt_number).
"""

import io
from pathlib import Path

from django.template.loader import render_to_string
from wagtail.models import Site
from xhtml2pdf import pisa

from cms_pages.models import SocietySettings

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "ipaexg.ttf"


class ReceiptError(Exception):
    pass


def society_settings():
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return SocietySettings.for_site(site) if site else SocietySettings()


def render_receipt_pdf(invoice):
    if not invoice.receipt_number:
        raise ReceiptError("領収書番号がありません(未入金の請求です)。")
    member = invoice.member
    html = render_to_string(
        "pdf/receipt.html",
        {
            "invoice": invoice,
            "addressee": member.alternate_name or member.full_name,
            "issuer": society_settings(),
            "font_path": FONT_PATH.as_posix(),
        },
    )
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if result.err:
        raise ReceiptError("領収書のPDFを作成できませんでした。")
    return output.getvalue()
