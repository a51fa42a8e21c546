"""HTML → PDF (xhtml2pdf) with the shipped IPAex Gothic embedded, so that receipts, admission
tickets and the points PDF look the same on every machine. The one PDF renderer."""

import io
from pathlib import Path

from django.template.loader import render_to_string
from xhtml2pdf import pisa

from .errors import DomainError

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "ipaexg.ttf"


class PdfError(DomainError):
    pass


def render_pdf(template_name, context, *, what):
    """The PDF of ``template_name`` rendered with ``context`` (and ``font_path``).

    ``what`` names the document in the error message (領収書, 受講票, ...)."""
    html = render_to_string(template_name, {**context, "font_path": FONT_PATH.as_posix()})
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if result.err:
        raise PdfError(f"{what}のPDFを作成できませんでした。")
    return output.getvalue()
