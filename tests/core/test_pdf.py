"""The one PDF renderer: the shipped IPAex Gothic draws every Japanese character (the title too),
without each template loading the font file itself."""

import datetime
import io
import logging
from types import SimpleNamespace

from pypdf import PdfReader

from core.pdf import render_pdf
from renewal.tickets import qr_data_uri


def ticket_context():
    return {
        "registration": SimpleNamespace(ticket_number="T1-1", get_participation_format_display=lambda: "会場"),
        "session": SimpleNamespace(title="研究会", held_on=None, points=5, get_requirement_display=lambda: "必須"),
        "seminar": SimpleNamespace(
            title="第1回 消化器内視鏡技師研究会",
            venue="会議場",
            starts_on=datetime.date(2026, 4, 1),
            ends_on=datetime.date(2026, 4, 1),
        ),
        "member": SimpleNamespace(status="active", member_number="0012345", full_name="内視 花子"),
        "society_name": "日本消化器内視鏡技師会",
        "qr_code": qr_data_uri("T1-1"),
    }


def test_japanese_is_drawn_with_the_embedded_font_and_nothing_falls_back(caplog):
    with caplog.at_level(logging.WARNING):
        pdf = render_pdf("pdf/ticket.html", ticket_context(), what="受講票")
        again = render_pdf("pdf/ticket.html", ticket_context(), what="受講票")

    page = PdfReader(io.BytesIO(again)).pages[0]
    assert "内視 花子" in page.extract_text() and "第1回 消化器内視鏡技師研究会" in page.extract_text()
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("IPAexGothic" in font for font in fonts)
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "受講票 T1-1"
    assert not [record for record in caplog.records if "No font" in record.getMessage()]
