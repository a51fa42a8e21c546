"""django-import-export widgets for Japanese spreadsheets.

``clean`` turns a cell (text from CSV; text, number or date from XLSX) into the stored
value or raises ``CellError`` with the Japanese reason shown next to the row and column.
The member-detail rules come from ``membership.japanese``; they are reused, not rewritten.
``render`` is the export side (templates and exports use the same format as imports).

The widgets are called once per distinct cell of a column of a 20,000-row file, in the preview
(``ImportKind.clean_rows``; the import keeps the preview's rows, ``imports/plans.py``), so they
stay lean: no regex where a string method will do, no lookups.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export.widgets import Widget

from core import japanese
from membership.accounts import normalize_login_id


class CellError(ValueError):
    """A cell that cannot be imported; ``message`` is the Japanese reason."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


REQUIRED_MESSAGE = "必須項目です。入力してください。"


def cell_text(value):
    """A cell as stripped text. Whole numbers from Excel lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value).strip()


def _stripped(cells):
    """The cells stripped, when every one is text (CSV; not numbers or dates from XLSX), else None."""
    try:
        return [cell.strip() for cell in cells]
    except AttributeError:
        return None


def _validation_message(error):
    return error.messages[0] if error.messages else str(error)


class TextWidget(Widget):
    """Plain text, stripped, never otherwise changed (names are never silently altered)."""

    def __init__(self, max_length=None, required=False, nfkc=False, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.required = required
        self.nfkc = nfkc

    def clean(self, value, row=None, **kwargs):
        text = value.strip() if value.__class__ is str else cell_text(value)
        if self.nfkc and text and not text.isascii():
            text = unicodedata.normalize("NFKC", text).strip()
        if not text:
            if self.required:
                raise CellError(REQUIRED_MESSAGE)
            return ""
        if self.max_length and len(text) > self.max_length:
            raise CellError(f"{self.max_length}文字以内で入力してください(現在{len(text)}文字)。")
        return self.check(text)

    def check(self, text):
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


_CODE_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]*")


class CodeWidget(TextWidget):
    """A number kept as text (member number, certification number): leading zeros stay.

    Full-width digits become half-width, like the login form does. A number cell from
    Excel (12345) becomes "12345"; for member numbers, the kinds put the dropped zeros back when
    they match them (``imports.member_lookup``), other codes stay as they are.
    """

    def __init__(self, max_length=20, required=False, label="番号", **kwargs):
        super().__init__(max_length=max_length, required=required, **kwargs)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        if value.__class__ is str and value.isascii():
            text = value.strip()  # what normalize_login_id (NFKC, strip) gives for ASCII
        else:
            text = normalize_login_id(cell_text(value))
        if not text:
            if self.required:
                raise CellError(REQUIRED_MESSAGE)
            return ""
        if len(text) > self.max_length or not _CODE_RE.fullmatch(text):
            raise CellError(f"{self.label}は半角英数字{self.max_length}文字以内で入力してください。")
        return text

    def clean_many(self, cells):
        """A column's cells as ``clean`` gives them when each is ASCII text of letters and digits
        (the common case), without a call per cell; otherwise None (``clean`` cell by cell)."""
        texts = _stripped(cells)
        limit = self.max_length
        if texts is None or not all(cell.isascii() for cell in cells):
            return None  # numbers from XLSX, full-width digits: normalised by ``clean``
        if not all(text.isalnum() and len(text) <= limit for text in texts):
            return None
        return texts


_KATAKANA_RE = re.compile("[ァ-ヺーヽヾ]+")  # what normalize_furigana returns unchanged
_POSTAL_RE = re.compile("[0-9]{3}-[0-9]{4}")  # what normalize_postal_code returns unchanged


class FuriganaWidget(TextWidget):
    """Full-width katakana; hiragana and half-width kana are converted (japanese.normalize_furigana)."""

    def check(self, text):
        if _KATAKANA_RE.fullmatch(text):
            return text  # the common case: already full-width katakana without spaces
        try:
            return japanese.normalize_furigana(text)
        except ValidationError as error:
            raise CellError(_validation_message(error)) from None


class AlternateNameWidget(TextWidget):
    """The alternate spelling may not itself contain characters outside JIS X 0208."""

    def check(self, text):
        try:
            return japanese.normalize_alternate_name(text)
        except ValidationError as error:
            raise CellError(_validation_message(error)) from None


# A strict subset of what Django's EmailValidator accepts (dot-atom local part, LDH domain):
# the common case is checked here; anything else goes to validate_email.
_SIMPLE_EMAIL_RE = re.compile(
    r"[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]"
)


class EmailWidget(TextWidget):
    def __init__(self, max_length=254, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def check(self, text):
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        elif _SIMPLE_EMAIL_RE.fullmatch(text):
            return text
        try:
            validate_email(text)
        except ValidationError:
            raise CellError("メールアドレスの形式が正しくありません。") from None
        return text

    def clean_many(self, cells):
        """A column's cells as ``clean`` gives them when each is blank or a plain address (the
        common case), without a call per cell; otherwise None (``clean`` cell by cell)."""
        texts = _stripped(cells)
        limit = self.max_length or float("inf")
        simple, blank = _SIMPLE_EMAIL_RE.fullmatch, not self.required
        if texts is None or not all((blank if not text else len(text) <= limit and simple(text)) for text in texts):
            return None
        return texts


class PostalCodeWidget(Widget):
    """``123-4567`` (japanese.normalize_postal_code). A number cell is padded to 7 digits."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = cell_text(value).zfill(7)
        text = value.strip() if value.__class__ is str else cell_text(value)
        if not text:
            return ""
        if _POSTAL_RE.fullmatch(text):
            return text  # already 123-4567
        try:
            return japanese.normalize_postal_code(text)
        except ValidationError as error:
            raise CellError(_validation_message(error)) from None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class PhoneWidget(Widget):
    """Digits only (japanese.normalize_phone). A number cell gets back the leading 0 Excel dropped."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = "0" + cell_text(value)
        text = value.strip() if value.__class__ is str else cell_text(value)
        if not text:
            return ""
        if text.isascii():
            digits = text.replace("-", "")
            if digits.isdigit() and len(digits) in (10, 11):
                return digits  # the common cases (03-1234-5678, 09012345678): what normalize_phone returns
        try:
            return japanese.normalize_phone(text)
        except ValidationError as error:
            raise CellError(_validation_message(error)) from None

    def clean_many(self, cells):
        """A column's cells as ``clean`` gives them when each is blank or 10 or 11 ASCII digits with
        or without hyphens (the common case), without a call per cell; otherwise None."""
        texts = _stripped(cells)
        if texts is None:
            return None
        digits = [text.replace("-", "") for text in texts]
        if not all(
            not text or (number.isdigit() and len(number) in (10, 11) and text.isascii())
            for text, number in zip(texts, digits, strict=True)
        ):
            return None
        return digits

    def render(self, value, obj=None, **kwargs):
        return value or ""


class PrefectureWidget(Widget):
    def __init__(self, prefectures, **kwargs):
        super().__init__(**kwargs)
        self.prefectures = frozenset(prefectures)

    def clean(self, value, row=None, **kwargs):
        text = value.strip() if value.__class__ is str else cell_text(value)
        if not text:
            return ""
        if text in self.prefectures:
            return text
        text = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
        if text in self.prefectures:
            return text
        raise CellError("都道府県は47都道府県の名前(例: 東京都、大阪府、北海道)で入力してください。")

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ChoiceLabelWidget(Widget):
    """A choice written by its Japanese label (正会員, 自宅) and stored by its value."""

    def __init__(self, choices, default=None, **kwargs):
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.by_label = {str(label): value for value, label in self.choices}
        self.by_label.update({str(value): value for value, _label in self.choices})
        self.labels = {value: str(label) for value, label in self.choices}
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = value.strip() if value.__class__ is str else cell_text(value)
        if not text:
            if self.default is not None:
                return self.default
            raise CellError(REQUIRED_MESSAGE + f"({'/'.join(self.labels.values())})")
        try:
            return self.by_label[text]
        except KeyError:
            normalized = unicodedata.normalize("NFKC", text).strip()
            if normalized in self.by_label:
                return self.by_label[normalized]
        raise CellError(f"「{text}」は選べません。{'、'.join(self.labels.values())} のいずれかを入力してください。")

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, value or "")


_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMAT_MESSAGE = "日付は 2024/04/01 または 2024-04-01 の形式で入力してください。"


class JapaneseDateWidget(Widget):
    """A date as ``2024/04/01``, ``2024-04-01``, ``2024年4月1日``, ``20240401``, an Excel date
    cell, or an Excel serial number (45383) from a cell formatted as a number."""

    def __init__(self, required=False, min_year=1900, max_year=2200, **kwargs):
        super().__init__(**kwargs)
        self.required = required
        self.min_year = min_year
        self.max_year = max_year

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return self._check(value.date())
        if isinstance(value, date):
            return self._check(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._check(self._from_serial(value))
        text = value.strip() if value.__class__ is str else cell_text(value)
        if not text:
            if self.required:
                raise CellError(REQUIRED_MESSAGE)
            return None
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        if text.isdigit():
            if len(text) == 8:
                return self._check(self._make(text[:4], text[4:6], text[6:]))
            if len(text) == 5:
                return self._check(self._from_serial(int(text)))
            raise CellError(DATE_FORMAT_MESSAGE)
        match = _DATE_RE.fullmatch(text)
        if match is None:
            raise CellError(DATE_FORMAT_MESSAGE)
        return self._check(self._make(*match.groups()))

    @staticmethod
    def _make(year, month, day):
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise CellError("存在しない日付です。") from None

    @staticmethod
    def _from_serial(number):
        if not 1 <= number < 2958466:
            raise CellError(DATE_FORMAT_MESSAGE)
        return _EXCEL_EPOCH + timedelta(days=int(number))

    def _check(self, day):
        if not self.min_year <= day.year <= self.max_year:
            raise CellError(f"日付が範囲外です({self.min_year}年から{self.max_year}年まで)。")
        return day

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%Y/%m/%d") if value else ""
