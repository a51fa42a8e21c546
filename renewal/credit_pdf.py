"""受講履歴ポイント出力: the credits page as a PDF (``core.pdf``)."""

from core.pdf import render_pdf


def render_credits_pdf(data):
    """``data`` is what ``credit_views.credit_page_data`` returns, plus ``printed_at``."""
    return render_pdf("pdf/credits.html", data, what="受講履歴ポイント")
