"""What a screen reader needs from a page's forms, read from the HTML a view returns: every id that
a label or an ARIA attribute names exists, every field marked invalid is described by its error
message (a radio group through its fieldset), and no table header is empty. The browser tests
(tests/e2e/test_a11y.py) check the same in chromium, with axe."""

from html.parser import HTMLParser

REFERENCE_ATTRIBUTES = ("aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.error_ids = set()
        self.references = []  # (element, attribute, id)
        self.invalid = []  # (element, ids describing it)
        self.header_texts = []
        self._fieldsets = []  # the aria-describedby of each open fieldset
        self._header = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = f"<{tag} id={attrs.get('id')!r} name={attrs.get('name')!r}>"
        if attrs.get("id"):
            self.ids.add(attrs["id"])
            if "error" in (attrs.get("class") or "").split():
                self.error_ids.add(attrs["id"])
        for attribute in REFERENCE_ATTRIBUTES:
            for referenced in (attrs.get(attribute) or "").split():
                self.references.append((name, attribute, referenced))
        if tag == "label" and "for" in attrs:
            self.references.append((name, "for", attrs["for"]))
        if tag == "fieldset":
            self._fieldsets.append((attrs.get("aria-describedby") or "").split())
        if attrs.get("aria-invalid") == "true":
            own = (attrs.get("aria-describedby") or "").split()
            self.invalid.append((name, own or (self._fieldsets[-1] if self._fieldsets else [])))
        if tag == "th":
            self._header = ""

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        if tag == "th" and self._header is not None:
            self.header_texts.append(self._header.strip())
            self._header = None

    def handle_data(self, data):
        if self._header is not None:
            self._header += data


def form_problems(html):
    """What stops a screen reader from tying the page's labels, help and errors to their fields."""
    page = _Page()
    page.feed(html)
    problems = [
        f"{element}: {attribute} names a missing id {referenced!r}"
        for element, attribute, referenced in page.references
        if referenced not in page.ids
    ]
    problems += [
        f"{element}: marked invalid, but not described by its error message"
        for element, described_by in page.invalid
        if not set(described_by) & page.error_ids
    ]
    problems += ["a table header cell is empty" for text in page.header_texts if not text]
    return problems


def invalid_fields(html):
    page = _Page()
    page.feed(html)
    return [element for element, _ in page.invalid]
