"""The checkout page's forms: a card, or a convenience store with name and phone."""

import re
import unicodedata

from django import forms
from django.utils import timezone

from . import protocol
from .chains import CHAIN_CHOICES

HALF_WIDTH_KANA_RE = re.compile(r"[\uff61-\uff9f]")
HOLDER_RE = re.compile(r"[A-Z][A-Z .\-]{0,49}")


def _nfkc(value):
    return unicodedata.normalize("NFKC", value or "").strip()


class CardForm(forms.Form):
    card_number = forms.CharField(
        label="カード番号",
        max_length=30,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "cc-number", "placeholder": "4111111111111111"}
        ),
    )
    expiry = forms.CharField(
        label="有効期限(月/年)",
        max_length=7,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-exp", "placeholder": "MM/YY"}),
    )
    holder_name = forms.CharField(
        label="カード名義人(半角ローマ字)",
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name", "placeholder": "TARO YAMADA"}),
    )
    security_code = forms.CharField(
        label="セキュリティコード",
        max_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "cc-csc"}),
    )

    def clean_card_number(self):
        number = re.sub(r"[\s-]", "", _nfkc(self.cleaned_data["card_number"]))
        if number not in {protocol.CARD_OK, protocol.CARD_DECLINED}:
            raise forms.ValidationError(
                "カード番号が正しくありません。サンドボックスでは下記のテスト用カード番号のみ使えます。"
            )
        return number

    def clean_expiry(self):
        value = _nfkc(self.cleaned_data["expiry"]).replace(" ", "")
        match = re.fullmatch(r"(\d{2})/?(\d{2})", value)
        if not match or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError("有効期限は「MM/YY」の形で入力してください。")
        month, year = int(match[1]), 2000 + int(match[2])
        today = timezone.now().astimezone(protocol.JST).date()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError("有効期限が切れています。")
        return f"{month:02d}/{year % 100:02d}"

    def clean_holder_name(self):
        value = re.sub(r"\s+", " ", _nfkc(self.cleaned_data["holder_name"]).upper())
        if not HOLDER_RE.fullmatch(value):
            raise forms.ValidationError("カード名義人は半角ローマ字で入力してください。")
        return value

    def clean_security_code(self):
        value = _nfkc(self.cleaned_data["security_code"])
        if not re.fullmatch(r"\d{3,4}", value):
            raise forms.ValidationError("セキュリティコードは3桁または4桁の数字で入力してください。")
        return value


class CvsForm(forms.Form):
    cvs_code = forms.ChoiceField(
        label="お支払いいただくコンビニエンスストア",
        choices=CHAIN_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "コンビニエンスストアを選択してください。"},
    )
    name = forms.CharField(
        label="お名前(カナまたは漢字)",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label="電話番号",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0312345678"}),
    )

    def clean_name(self):
        # Names are not rewritten (no NFKC): only checked.
        value = re.sub(r"\s+", " ", self.cleaned_data["name"].replace("\u3000", " ")).strip()
        if HALF_WIDTH_KANA_RE.search(value):
            raise forms.ValidationError("半角カタカナは使えません。全角で入力してください。")
        if not protocol.is_jis_x_0208(value):
            raise forms.ValidationError(
                "お名前に使えない文字が含まれています(JIS第1・第2水準の文字で入力してください)。"
            )
        return value

    def clean_phone(self):
        value = re.sub(r"[\s\-()]", "", _nfkc(self.cleaned_data["phone"]))
        if not re.fullmatch(r"0\d{9,10}", value):
            raise forms.ValidationError("電話番号は0から始まる10桁または11桁の数字で入力してください。")
        return value


class CardRegistrationForm(CardForm):
    """The card registration page (card on file): also takes the test card that expires at the charge."""

    def clean_card_number(self):
        number = re.sub(r"[\s-]", "", _nfkc(self.cleaned_data["card_number"]))
        if number not in protocol.TEST_CARDS_ON_FILE:
            raise forms.ValidationError(
                "カード番号が正しくありません。サンドボックスでは下記のテスト用カード番号のみ使えます。"
            )
        return number
