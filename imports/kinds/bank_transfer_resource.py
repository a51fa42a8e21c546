"""The cells of a bank-transfer statement (入金明細): its columns, as a django-import-export
resource, and the widgets that read yen amounts and fiscal years as staff type them.

The import itself (matching rows to invoices, applying) is ``bank_transfers``.
"""

import unicodedata

from import_export import resources
from import_export.widgets import Widget

from membership.models import Invoice

from ..registry import ImportField
from ..resources import member_number_field
from ..widgets import (
    REQUIRED_MESSAGE,
    CellError,
    ChoiceLabelWidget,
    JapaneseDateWidget,
    TextWidget,
    cell_text,
)

MAX_AMOUNT = 10_000_000


class YenWidget(Widget):
    """Whole yen: ``5000``, ``5,000``, ``5,000円``, ``￥5,000``, full-width digits, or a number cell."""

    message = "金額は円単位の数字で入力してください(例: 5000、5,000円)。"

    def __init__(self, required=True, maximum=MAX_AMOUNT, **kwargs):
        super().__init__(**kwargs)
        self.required = required
        self.maximum = maximum

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise CellError(self.message)
        if isinstance(value, float):
            if not value.is_integer():
                raise CellError("金額は1円単位(小数なし)で入力してください。")
            value = int(value)
        if isinstance(value, int):
            return self._check(value)
        text = value.strip() if value.__class__ is str else cell_text(value)
        if not text:
            if self.required:
                raise CellError(REQUIRED_MESSAGE)
            return None
        if not text.isdigit() or not text.isascii():
            text = unicodedata.normalize("NFKC", text)
            for mark in (",", "円", "¥", "\\", " "):
                text = text.replace(mark, "")
        if text.startswith("-"):
            raise CellError("金額は1円以上で入力してください。")
        if not (text.isascii() and text.isdigit()):
            raise CellError(self.message)
        return self._check(int(text))

    def _check(self, amount):
        if amount <= 0:
            raise CellError("金額は1円以上で入力してください。")
        if amount > self.maximum:
            raise CellError(f"金額が大きすぎます({self.maximum:,}円まで)。")
        return amount

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class FiscalYearWidget(Widget):
    """年度 in four digits: ``2024``, ``2024年度``, full-width digits, or a number cell."""

    message = "年度は西暦4桁で入力してください(例: 2024)。"

    def __init__(self, min_year=2000, max_year=2100, **kwargs):
        super().__init__(**kwargs)
        self.min_year = min_year
        self.max_year = max_year

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = unicodedata.normalize("NFKC", cell_text(value)).strip()
        if not text:
            return None
        for suffix in ("年度", "年"):
            text = text.removesuffix(suffix).strip()
        if not (len(text) == 4 and text.isascii() and text.isdigit()):
            raise CellError(self.message)
        year = int(text)
        if not self.min_year <= year <= self.max_year:
            raise CellError(f"年度が範囲外です({self.min_year}年度から{self.max_year}年度まで)。")
        return year

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def _channel_widget():
    widget = ChoiceLabelWidget(
        [(Invoice.Channel.YUCHO, "ゆうちょ"), (Invoice.Channel.TRANSFER, "振込")], default=Invoice.Channel.YUCHO
    )
    # Names the statements themselves use.
    aliases = {
        "ゆうちょ銀行": Invoice.Channel.YUCHO,
        "郵便振替": Invoice.Channel.YUCHO,
        "振替": Invoice.Channel.YUCHO,
        "払込": Invoice.Channel.YUCHO,
        "銀行振込": Invoice.Channel.TRANSFER,
        "振込み": Invoice.Channel.TRANSFER,
        "振り込み": Invoice.Channel.TRANSFER,
    }
    widget.by_label.update(aliases)
    return widget


class BankTransferResource(resources.ModelResource):
    member_number = member_number_field(example="0012345")
    paid_on = ImportField(
        attribute="paid_on",
        column_name="入金日",
        example="2024/04/30",
        widget=JapaneseDateWidget(required=True, min_year=2000),
        required=True,
        help_text="2024/04/01、2024-04-01 の形式か、Excel の日付。領収書の日付になり、領収書番号はこの日の年度で付きます。",
    )
    amount = ImportField(
        attribute="amount",
        column_name="金額",
        example="5,000",
        widget=YenWidget(),
        required=True,
        help_text="円単位の整数。5000、5,000、5,000円、全角数字のどれでも構いません。",
    )
    fiscal_year = ImportField(
        attribute="fiscal_year",
        column_name="年度",
        example="2024",
        widget=FiscalYearWidget(),
        help_text="入金する請求の年度(西暦4桁、例: 2024)。空欄なら、金額が一致する最も古い年度の未納の請求。",
    )
    category = ImportField(
        attribute="category",
        column_name="請求区分",
        example="会費",
        widget=ChoiceLabelWidget(Invoice.Category.choices, default=Invoice.Category.DUES),
        help_text="会費、更新料、参加費 のいずれか(空欄は会費)。",
    )
    channel = ImportField(
        attribute="channel",
        column_name="入金種別",
        example="ゆうちょ",
        widget=_channel_widget(),
        help_text="ゆうちょ または 振込(空欄はゆうちょ)。",
    )
    note = ImportField(
        attribute="note",
        column_name="備考",
        example="",
        widget=TextWidget(max_length=100),
        help_text="請求の備考に追記します(100文字まで)。空欄可。",
    )

    class Meta:
        model = Invoice
        fields = ("member_number", "paid_on", "amount", "fiscal_year", "category", "channel", "note")
        import_order = fields
        export_order = fields
