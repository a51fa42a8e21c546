"""HTML → PDF (xhtml2pdf) with the shipped IPAex Gothic embedded, so that receipts, admission
tickets and the points PDF look the same on every machine. The one PDF renderer.

Templates name the family ``IPAexGothic`` in their CSS (``font-family: "IPAexGothic"``) and need
no ``@font-face``: the font is parsed and registered once per process (``register_font``), not
per document. Through ``@font-face`` xhtml2pdf reads and hashes the 6 MB file on every request
(about 15 ms a document, measured). The family is also the documents' default font, so that
text outside ``body`` (the ``<title>``, which becomes the PDF's title) is drawn and checked
with it, not with Helvetica, which has no Japanese glyphs.

Documents are drawn with ``DEFAULT_CSS``, the part of xhtml2pdf's own default stylesheet that
applies to the elements our templates use: xhtml2pdf parses its default stylesheet (about 40
rules over 70 selectors) again for every document and matches every element against it, about
a seventh of a 領収書's instructions (callgrind). The documents come out byte for byte the same
(tests/core/test_pdf.py); a template using an element outside ``DEFAULT_CSS_ELEMENTS`` fails
that test until its rules are copied here.

What is the same in every document of a template is worked out once per process
(``register_font``): a ``<style>`` block without at-rules is parsed once (``_Context``; a
template keeps its ``@page`` in a block of its own, since xhtml2pdf sets the page up while
parsing it), and the CSS values xhtml2pdf memoizes (sizes, colours, boxes: bounded caches of
its own) stay between documents instead of being dropped after each. What depends on a
document's text (the font subset, the measured words) is still made for each document.

The rendered HTML loses the white space between its tags (``strip_spaces_between_tags``, as
``{% spaceless %}``) before xhtml2pdf reads it: between our block elements it draws nothing,
and each run of it was a text node of its own to parse, style and drop. The documents come
out byte for byte the same; a template puts a space it means inside its text.
"""

import functools
import io
import zlib
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.html import strip_spaces_between_tags
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import document as xhtml2pdf_document
from xhtml2pdf import pisa
from xhtml2pdf import util as xhtml2pdf_util
from xhtml2pdf.context import pisaContext

from .errors import DomainError
from .stack import in_a_stack_chunk_of_its_own

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "ipaexg.ttf"
FONT_FAMILY = "IPAexGothic"


# xhtml2pdf.default.DEFAULT_CSS, only the rules that apply to DEFAULT_CSS_ELEMENTS.
DEFAULT_CSS = """
html { font-family: Helvetica; font-size: 10px; font-weight: normal; color: #000000; margin: 0; padding: 0;
       line-height: 150%; border: 1px none; display: inline; width: auto; height: auto; white-space: normal; }
h1 { font-weight: bold; -pdf-outline: true; -pdf-outline-open: false; font-size: 138.5%; -pdf-outline-level: 0; }
h1, p { margin: 1em 0; }
body, div, h1, p, table, tr, th, td { display: block; }
tr, th, td { vertical-align: middle; width: auto; }
th { text-align: center; font-weight: bold; }
"""
# The elements DEFAULT_CSS styles as xhtml2pdf's own stylesheet does (some of them: not at all).
DEFAULT_CSS_ELEMENTS = frozenset(
    {"html", "head", "meta", "title", "style", "body", "h1", "p", "div", "span", "br", "img"}
    | {"table", "tbody", "tr", "th", "td"}
)


class PdfError(DomainError):
    pass


_PARSED_CSS = {}  # the text of a <style> block (or DEFAULT_CSS) -> xhtml2pdf's parsed style sheet
_PARSED_CSS_LIMIT = 64  # a handful of templates; more means style text made per document


class _Context(pisaContext):
    """xhtml2pdf's document context, with a style sheet parsed once per process.

    A block with an at-rule (``@page``, ``@font-face``) or a custom property is parsed for each
    document: parsing it is what sets up the document's pages or fonts. Any other block only
    becomes rules, which the cascade reads and never changes (it indexes them on first use)."""

    def _parseCSSSource(self, text, sourceName):
        if "@" in text or "--" in text:
            return super()._parseCSSSource(text, sourceName)
        parsed = _PARSED_CSS.get(text)
        if parsed is None:
            parsed = super()._parseCSSSource(text, sourceName)
            if len(_PARSED_CSS) < _PARSED_CSS_LIMIT:
                _PARSED_CSS[text] = parsed
        return parsed


class _FastFlate(pdfdoc.PDFStreamFilterZCompress):
    """ReportLab's Flate filter at zlib's fastest level (1) instead of its default (6): a points
    PDF takes 6.6% fewer instructions (callgrind: 91.8M → 85.7M) and grows 3.6% (40.6 → 42.1 kB);
    a document's streams (page text, font subset, ToUnicode map) are small and mostly compress
    as well at either level. Decoding is the same Flate."""

    def encode(self, text):
        if isinstance(text, str):
            text = text.encode("utf8")
        return zlib.compress(text, 1)


def _reset_caches():
    """What xhtml2pdf drops after each document, less its memoized CSS values (see above):
    the widths of the document's words."""
    xhtml2pdf_util._string_widths.clear()


@functools.cache
def register_font():
    """Register IPAex Gothic with ReportLab and xhtml2pdf, once per process.

    IPAex Gothic has one weight: bold and italic map to the same face. xhtml2pdf copies its
    ``DEFAULT_FONT`` table into every document's font list; adding the family there is how a
    font registered with ReportLab becomes known to its documents."""
    # Not ``asciiReadable``: ReportLab would put all 96 ASCII glyphs into every document's
    # subset (outlines, widths, ToUnicode entries) to keep the page streams readable as text;
    # without it a document embeds the characters it uses (a 領収書 went from 27.7 to 18.3 kB,
    # drawn and extracted the same). The space keeps code 32 either way, for word spacing.
    font = TTFont(FONT_FAMILY, str(FONT_PATH), asciiReadable=False)
    # ReportLab slices each table it copies into a document's font subset out of the whole
    # 6 MB file again for every subset (the 5.6 MB glyph table to take a few glyphs from it):
    # the tables do not change, so each is sliced once.
    font.face.get_table = functools.cache(font.face.get_table)
    pdfmetrics.registerFont(font)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_FAMILY, bold, italic, FONT_FAMILY)
    xhtml2pdf_document.pisaContext = _Context
    pdfdoc.PDFZCompress = _FastFlate()  # read by ReportLab at each stream it writes
    xhtml2pdf_document.reset_caches = _reset_caches
    fonts = xhtml2pdf_default.DEFAULT_FONT
    fonts[FONT_FAMILY.lower()] = FONT_FAMILY
    # The default face (unstyled text, the <title>) is ours too.
    for name in ("helvetica", "sans-serif", "sansserif", "sans"):
        fonts[name] = FONT_FAMILY


def _draw(template_name, context):
    html = render_to_string(template_name, {**context, "font_path": FONT_PATH.as_posix()})
    html = strip_spaces_between_tags(html)
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", default_css=DEFAULT_CSS)
    return None if result.err else output.getvalue()


def render_pdf(template_name, context, *, what):
    """The PDF of ``template_name`` rendered with ``context`` (and ``font_path``).

    ``what`` names the document in the error message (領収書, 受講票, ...)."""
    register_font()
    # In a stack chunk of its own (core.stack) here too: invoice documents are drawn by the
    # task worker as well, outside any request.
    pdf = in_a_stack_chunk_of_its_own(lambda: _draw(template_name, context))
    if pdf is None:
        raise PdfError(f"{what}のPDFを作成できませんでした。")
    return pdf
