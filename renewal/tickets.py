"""受講票 (admission ticket) as PDF, with the shipped IPAex Gothic embedded.

The ticket carries a QR code of its signed 受付コード for check-in at the venue (the ticket
number with check characters, ``checkin_codes.ticket_code``), and prints the same code for typing;
xhtml2pdf draws raster images (not SVG) reliably, so the QR code is a PNG data URI made by segno.
"""

import base64
import functools
import io

import segno
from PIL import Image

from cms_pages.models import society_name
from core.pdf import render_pdf

from .checkin_codes import ticket_code


@functools.lru_cache(maxsize=256)
def qr_data_uri(text):
    """The QR code of ``text`` as a PNG data URI, kept per content: a ticket or certificate is
    downloaded again and again, and segno's choice of mask and its PNG are pure Python (a
    certificate's QR code took about a tenth of its PDF, profiled).

    The PNG is 8-bit grey, not segno's 1-bit: ReportLab embeds a grey image as it is, and
    widens any other to RGB first, three times the pixels to compress into every PDF (about
    a tenth of a certificate's instructions). Black and white either way."""
    one_bit = io.BytesIO()
    segno.make(text, error="m", micro=False).save(one_bit, kind="png", scale=6, border=2)
    grey = io.BytesIO()
    Image.open(one_bit).convert("L").save(grey, format="PNG")
    return "data:image/png;base64," + base64.b64encode(grey.getvalue()).decode("ascii")


def render_ticket_pdf(registration):
    """The PDF of a registration's 受講票 (the caller has checked it may be issued)."""
    session = registration.session
    return render_pdf(
        "pdf/ticket.html",
        {
            "registration": registration,
            "session": session,
            "seminar": session.seminar,
            "member": registration.member,
            "society_name": society_name(),
            "checkin_code": ticket_code(registration.ticket_number),
            "qr_code": qr_data_uri(ticket_code(registration.ticket_number)),
        },
        what="受講票",
    )


def ticket_filename(registration):
    return f"ticket-{registration.ticket_number}.pdf"
