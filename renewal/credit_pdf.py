"""受講履歴ポイント出力: the credits page as a PDF, with the shipped IPAex Gothic embedded
(the same font and approach as membership.receipts)."""

import io

from django.template.loader import render_to_string
from xhtml2pdf import pisa

from membership.receipts import FONT_PATH


class CreditPdfError(Exception):
    pass


def render_credits_pdf(data):
    """``data`` is what ``credit_views.credit_page_data`` returns, plus ``printed_at``."""
    html = render_to_string("pdf/credits.html", {**data, "font_path": FONT_PATH.as_posix()})
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if result.err:
        raise CreditPdfError("受講履歴ポイントのPDFを作成できませんでした。")
    return output.getvalue()
