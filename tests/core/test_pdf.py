"""The one PDF renderer: the shipped IPAex Gothic draws every Japanese character (the title too),
without each template loading the font file itself."""

import datetime
import io
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from reportlab import rl_config
from xhtml2pdf import pisa

from core import pdf as core_pdf
from core.pdf import DEFAULT_CSS, DEFAULT_CSS_ELEMENTS, register_font, render_pdf
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
    # The font subset holds the characters drawn, not all of ASCII besides (36 kB before).
    assert len(pdf) < 30_000


PDF_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "pdf"
ELEMENT = re.compile(r"<([a-zA-Z][\w:]*)")


def test_pdf_templates_use_only_elements_the_reduced_default_stylesheet_covers():
    used = {
        name.lower()
        for template in PDF_TEMPLATES.glob("*.html")
        for name in ELEMENT.findall(template.read_text(encoding="utf-8"))
        if not name.lower().startswith("pdf:")
    }
    assert used and used <= DEFAULT_CSS_ELEMENTS, used - DEFAULT_CSS_ELEMENTS


def test_reduced_default_stylesheet_draws_documents_as_xhtml2pdfs_own(monkeypatch):
    """Every element the reduced stylesheet covers, drawn byte for byte as with xhtml2pdf's
    default stylesheet (ReportLab's invariant mode: no dates or random ids in the file)."""
    monkeypatch.setattr(rl_config, "invariant", 1)
    register_font()
    html = f"""<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>見本</title>
    <style>@page {{ size: a4 portrait; margin: 20mm; }} body {{ font-family: "IPAexGothic"; }}</style></head>
    <body><h1>請求書</h1><p>下記のとおり<br><span>ご請求</span>申し上げます。</p><div><p>お振込先</p></div>
    <table><tr><th>品目</th><th>金額</th></tr><tr><td>年会費</td><td>5,000円</td></tr></table>
    <img src="{qr_data_uri("T1-1")}" width="60" height="60"></body></html>"""

    def pdf(default_css):
        output = io.BytesIO()
        assert not pisa.CreatePDF(html, dest=output, encoding="utf-8", default_css=default_css).err
        return output.getvalue()

    assert set(ELEMENT.findall(html)) == DEFAULT_CSS_ELEMENTS - {"tbody"}  # html5lib adds the tbody
    assert pdf(DEFAULT_CSS) == pdf(None)


def test_documents_of_a_template_come_out_the_same_with_its_style_sheet_parsed_once(monkeypatch):
    """The rules of a template's <style> are parsed for its first document and shared by the
    next ones (core.pdf._Context); the ``@page`` block is parsed for each, as it sets the page up."""
    monkeypatch.setattr(rl_config, "invariant", 1)
    monkeypatch.setattr(core_pdf, "_PARSED_CSS", {})
    first = render_pdf("pdf/ticket.html", ticket_context(), what="受講票")
    assert [text for text in core_pdf._PARSED_CSS if ".qr" in text], "the ticket's rules were not kept"
    assert not [text for text in core_pdf._PARSED_CSS if "@page" in text]
    assert render_pdf("pdf/ticket.html", ticket_context(), what="受講票") == first

    page = PdfReader(io.BytesIO(first)).pages[0]
    assert page.mediabox.width == pytest.approx(595.27, abs=0.1)  # A4, from the @page block
    assert "受講票番号 T1-1" in page.extract_text()


def test_pdf_templates_keep_their_at_rules_in_a_style_block_of_their_own():
    """A <style> block with an at-rule is parsed again for every document (see core.pdf)."""
    for template in PDF_TEMPLATES.glob("*.html"):
        blocks = re.findall(r"<style>(.*?)</style>", template.read_text(encoding="utf-8"), re.DOTALL)
        assert blocks, template.name
        for block in blocks:
            assert "@" not in block or "{" not in block.split("}", 1)[1], (template.name, block)


def test_white_space_between_tags_is_dropped_without_changing_the_document(monkeypatch):
    monkeypatch.setattr(rl_config, "invariant", 1)
    stripped = render_pdf("pdf/ticket.html", ticket_context(), what="受講票")
    monkeypatch.setattr(core_pdf, "strip_spaces_between_tags", lambda html: html)
    assert render_pdf("pdf/ticket.html", ticket_context(), what="受講票") == stripped
