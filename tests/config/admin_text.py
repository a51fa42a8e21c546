"""Reading an admin screen as staff see it: the visible text of an HTML page, and which of it
is English (for tests/config/test_admin_japanese.py).

Visible text is the text nodes outside scripts, styles and screen-reader-only elements, plus
the attributes shown on screen (``title`` tooltips, ``placeholder``, ``alt``, the labels of
submit buttons) and the labels of the admin menu (rendered by script from its JSON props).
A run of Latin letters is English unless it is a proper noun or abbreviation staff meet as
such (Wagtail, CSV, XLSX, ...) or part of an identifier: anything with a digit, ``@``, ``.``,
``/``, ``_`` or ``:`` in it (URLs, e-mail addresses, file names, order ids, model labels).
"""

import json
import re
from html.parser import HTMLParser

# Proper nouns, abbreviations and key names that stay as they are in Japanese software.
ALLOWED_WORDS = frozenset(
    """Wagtail CSV XLSX Excel PDF ZIP URL ID IP QR BOM UTF JIS JSON API HTML MB KB GB
    Ctrl Alt Shift Esc Enter Tab Cmd AVIF GIF JPG JPEG PNG WEBP SVG GMO TOTP JavaScript""".split()
)
IDENTIFIER = re.compile(r"\S*[0-9@./_:\[\]]\S*")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
HIDDEN_CLASSES = {"w-sr-only", "visuallyhidden", "sr-only"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "alt")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self.links = []
        self.json_scripts = {}
        self._open = []  # (tag, hidden)
        self._script = None

    def _hidden(self):
        return any(hidden for _, hidden in self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = bool(HIDDEN_CLASSES & set((attrs.get("class") or "").split())) or "hidden" in attrs
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("script", "style"):
            self._script = [attrs.get("id") or "", attrs.get("type") or "", ""]
        if not (hidden or self._hidden()):
            self.texts.extend(attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID:
            self._open.append((tag, hidden))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._script is not None:
            identifier, kind, body = self._script
            if kind == "application/json" and identifier:
                self.json_scripts[identifier] = body
            self._script = None
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if self._script is not None:
            self._script[2] += data
        elif not self._hidden() and data.strip():
            self.texts.append(" ".join(data.split()))


def menu_labels(props):
    """The labels (and the URLs) of the admin menu's JSON props."""
    labels, urls = [], []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("label", "footer_text") and isinstance(value, str) and value:
                    labels.append(value)
                elif key == "url" and isinstance(value, str):
                    urls.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(props))
    return labels, urls


def english_words(text, data=()):
    """The English words of ``text`` once the ``data`` strings (what users typed: names,
    titles) are taken out."""
    for value in data:
        text = text.replace(value, " ")
    text = IDENTIFIER.sub(" ", text)
    return [word for word in WORD.findall(text) if word not in ALLOWED_WORDS]
