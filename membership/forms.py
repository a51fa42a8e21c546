import re

from django import forms
from django.contrib.auth import forms as auth_forms

from core import japanese

from .accounts import normalize_login_id
from .models import MEMBER_CONTACT_FIELDS, MEMBER_NAME_FIELDS, Member, MembershipApplication


class LoginForm(auth_forms.AuthenticationForm):
    """Member number (or guest number, staff name) and a case-sensitive password."""

    username = auth_forms.UsernameField(
        label="会員番号",
        help_text="ゲストの方はゲストユーザー番号",
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label="パスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": "会員番号またはパスワードが正しくありません。パスワードは大文字と小文字を区別します。",
        "inactive": "このアカウントは利用できません。事務局へお問い合わせください。",
    }

    def clean_username(self):
        return normalize_login_id(self.cleaned_data.get("username"))


class PasswordResetRequestForm(forms.Form):
    """Guide 11 (※※): member number plus the registered e-mail address. Whether they belong
    together is not checked here: the page answers the same either way
    (``membership/password_reset.py``)."""

    username = forms.CharField(label="会員番号", max_length=150)
    email = forms.EmailField(label="メールアドレス")

    def clean_username(self):
        return normalize_login_id(self.cleaned_data.get("username"))


class SetPasswordForm(auth_forms.SetPasswordForm):
    """New password twice; the guide's rules come from AUTH_PASSWORD_VALIDATORS."""

    new_password1 = forms.CharField(
        label="新しいパスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="確認パスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    error_messages = {"password_mismatch": "確認パスワードが新しいパスワードと一致しません。"}


class PasswordChangeForm(SetPasswordForm):
    """The members-area change form: new + confirm, as in the guide's screenshot."""


class MemberInputRulesMixin:
    """The Japanese input rules (membership.japanese) on a member form's fields, each with its
    message at the field: shared by the members' own 会員詳細 form and the staff's admin form."""

    def clean_family_name_kana(self):
        return japanese.normalize_furigana(self.cleaned_data["family_name_kana"])

    def clean_given_name_kana(self):
        return japanese.normalize_furigana(self.cleaned_data["given_name_kana"])

    def clean_alternate_name(self):
        return japanese.normalize_alternate_name(self.cleaned_data["alternate_name"])

    def clean_home_postal_code(self):
        return japanese.normalize_postal_code(self.cleaned_data["home_postal_code"])

    def clean_workplace_postal_code(self):
        return japanese.normalize_postal_code(self.cleaned_data["workplace_postal_code"])

    def clean_phone(self):
        return japanese.normalize_phone(self.cleaned_data["phone"])

    def clean_mobile(self):
        return japanese.normalize_phone(self.cleaned_data["mobile"])


class MemberProfileForm(MemberInputRulesMixin, forms.ModelForm):
    """会員詳細 (guide 3): what a member may change about themselves.

    The member number and birth date are shown but not editable here. The e-mail field is
    the account's address; a change is only requested here and applied once confirmed.
    """

    email = forms.EmailField(label="メールアドレス", max_length=254)
    # Declared here rather than derived from the model: people type hyphens, spaces and
    # full-width digits, which are normalised away before the stored length applies.
    home_postal_code = forms.CharField(
        label="郵便番号",
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code", "data-postal-code": "home"}
        ),
        help_text="7桁の数字を入力すると都道府県と市区町村が入ります。",
    )
    workplace_postal_code = forms.CharField(
        label="郵便番号",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-postal-code": "workplace"}),
        help_text="7桁の数字を入力すると都道府県と市区町村が入ります。",
    )
    phone = forms.CharField(
        label="電話番号",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="ハイフン(-)なしの数字のみで入力してください。",
    )
    mobile = forms.CharField(
        label="携帯番号",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        help_text="ハイフン(-)なしの数字のみで入力してください。",
    )

    class Meta:
        model = Member
        fields = [*MEMBER_NAME_FIELDS, *MEMBER_CONTACT_FIELDS]
        widgets = {"mailing_address": forms.RadioSelect}

    def __init__(self, *args, paying=False, **kwargs):
        # ``paying``: step ② of a payment (変更してお支払い手続きへ), which must not go on while the
        # name cannot be sent to the gateway (the method page would be a dead end).
        self.paying = paying
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = self.instance.user.email
        self.fields["email"].help_text = (
            "技師会からのお知らせと、パスワード再設定の確認メールに使います。"
            "変更すると新しいアドレスに確認メールが届き、確認後に切り替わります。"
        )
        for name in ("family_name_kana", "given_name_kana"):
            self.fields[name].required = True
        for name in ("home_prefecture", "workplace_prefecture"):
            self.fields[name].choices = [("", "選択してください")] + list(self.fields[name].choices)[1:]
        self.fields["mailing_address"].choices = list(Member.MailingAddress.choices)
        # Inside the 自宅 / 勤務先 fieldsets the prefix of the model's label is redundant.
        for prefix in ("home_", "workplace_"):
            for suffix, label in (
                ("prefecture", "都道府県"),
                ("address1", "住所1(市区町村・番地)"),
                ("address2", "住所2(建物名・部屋番号)"),
            ):
                self.fields[prefix + suffix].label = label

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mailing_address") == Member.MailingAddress.WORKPLACE:
            for name in ("workplace_name", "workplace_postal_code", "workplace_prefecture", "workplace_address1"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "郵送先を勤務先にする場合は入力してください。")
        elif cleaned.get("mailing_address") == Member.MailingAddress.HOME:
            for name in ("home_postal_code", "home_prefecture", "home_address1"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "郵送先を自宅にする場合は入力してください。")
        if self.paying and "alternate_name" not in self.errors:
            candidate = Member(
                family_name=cleaned.get("family_name", ""),
                given_name=cleaned.get("given_name", ""),
                alternate_name=cleaned.get("alternate_name", ""),
            )
            problem = japanese.payment_name_problem(candidate)
            if problem:
                self.add_error("alternate_name", problem)
        return cleaned

    @property
    def name_warning(self):
        """The payment block message for the name as entered, shown next to the name fields."""
        if self.is_bound and not self.is_valid():
            candidate = Member(
                family_name=self.data.get("family_name", ""),
                given_name=self.data.get("given_name", ""),
                alternate_name=self.data.get("alternate_name", ""),
            )
        else:
            candidate = self.instance
        return japanese.payment_name_problem(candidate)


class ApplicationForm(forms.Form):
    """Guide 12, 13, 15: the date asked for and the reason; subclasses add what their kind needs.

    ``earliest`` and ``latest`` bound the date (``applications.earliest_effective_on``).
    """

    effective_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "日付を入力してください。", "invalid": "日付を正しく入力してください。"},
    )
    reason = forms.CharField(
        label="理由・連絡事項",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, effective_on_label, earliest, latest, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest, self.latest = earliest, latest
        field = self.fields["effective_on"]
        field.label = effective_on_label
        field.widget.attrs.update(min=earliest.isoformat(), max=latest.isoformat())

    def clean_effective_on(self):
        day = self.cleaned_data["effective_on"]
        if day < self.earliest:
            raise forms.ValidationError(f"{self.earliest:%Y年%-m月%-d日}以降の日付を入力してください。")
        if day > self.latest:
            raise forms.ValidationError(f"{self.latest:%Y年%-m月%-d日}までの日付を入力してください。")
        return day


class LeaveApplicationForm(ApplicationForm):
    leave_until = forms.DateField(
        label="休会終了予定日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=(
            "決まっていれば入力してください。この日になっても自動では復帰しません。"
            "復帰の際は休会復帰申請をしてください。"
        ),
        error_messages={"invalid": "日付を正しく入力してください。"},
    )
    leave_reason = forms.ChoiceField(
        label="休会理由",
        choices=[("", "選択してください"), *MembershipApplication.LeaveReason.choices],
        error_messages={"required": "休会理由を選んでください。"},
    )

    field_order = ["effective_on", "leave_until", "leave_reason", "reason"]

    def clean(self):
        cleaned = super().clean()
        start, until = cleaned.get("effective_on"), cleaned.get("leave_until")
        if start and until and until <= start:
            self.add_error("leave_until", "休会終了予定日は休会開始日より後の日付を入力してください。")
        if cleaned.get("leave_reason") == MembershipApplication.LeaveReason.OTHER and not cleaned.get("reason"):
            self.add_error("reason", "休会理由が「その他」の場合は、理由を入力してください。")
        return cleaned


class WithdrawalApplicationForm(ApplicationForm):
    agree = forms.BooleanField(
        label="上記に同意する",
        error_messages={"required": "資格喪失について確認のうえ、「上記に同意する」にチェックを入れてください。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "退会理由"
        self.fields["reason"].required = True
        self.fields["reason"].error_messages["required"] = "退会理由を入力してください。"


class GuestRegistrationForm(MemberInputRulesMixin, forms.ModelForm):
    """ゲスト登録 (非会員): what a seminar needs to know about a non-member, and consent.

    The furigana and phone rules are the member forms' (MemberInputRulesMixin). ``homepage``
    is a honeypot like the inquiry form's: people never see it, bots fill it.
    """

    email = forms.EmailField(
        label="メールアドレス", max_length=254, help_text="ゲストユーザー番号とパスワード設定用のURLをお送りします。"
    )
    phone = forms.CharField(
        label="電話番号(携帯電話可)",
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="ハイフン(-)なしの数字のみで入力してください。",
    )
    consent = forms.BooleanField(
        label="入力した個人情報を、学会・セミナーの運営と連絡のために利用することに同意します",
        error_messages={"required": "個人情報の取り扱いへの同意が必要です。"},
    )
    homepage = forms.CharField(
        label="この欄には何も入力しないでください",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Member
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "workplace_name",
            "workplace_prefecture",
        ]
        labels = {"workplace_prefecture": "勤務先 都道府県"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("family_name_kana", "given_name_kana", "workplace_name", "workplace_prefecture"):
            self.fields[name].required = True
        for name, field in self.fields.items():
            if name != "consent":
                verb = "選択" if name == "workplace_prefecture" else "入力"
                field.error_messages["required"] = f"{field.label}を{verb}してください。"

    def is_spam(self):
        return bool(self.cleaned_data.get("homepage"))

    def clean_email(self):
        # Whether the address is registered already is not said here (that would tell anyone
        # who is in the society): register_guest mails the address either way.
        return self.cleaned_data["email"].strip()

    def guest_data(self):
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return {**data, "email": self.cleaned_data["email"], "phone": self.cleaned_data["phone"]}


# An honorific typed after the person in charge (様, 殿, さま, 御中), which the 請求書 prints itself.
ATTENTION_HONORIFIC = re.compile(r"[\s\u3000]*(?:様|殿|さま|御中)[\s\u3000]*$")


class InvoiceDocumentForm(forms.Form):
    """The addressee of a 請求書 (membership.billing.invoice_documents), for the member and for staff."""

    bill_to = forms.ChoiceField(
        label="宛名", widget=forms.RadioSelect, error_messages={"required": "宛名を選んでください。"}
    )
    attention = forms.CharField(
        label="ご担当者名(勤務先宛ての場合、任意)",
        max_length=100,
        required=False,
        help_text="例: 総務課 山田 花子。入力すると「ご担当 … 様」と印刷されます。",
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        workplace = member.workplace_name.strip()
        self.fields["bill_to"].choices = [
            ("member", f"ご本人({member.full_name} 様)"),
            ("workplace", f"勤務先({workplace} 御中)" if workplace else "勤務先(会員詳細に勤務先名がありません)"),
        ]

    def clean_attention(self):
        """The name as typed, without the honorific the 請求書 adds (「… 様 様」 otherwise)."""
        return ATTENTION_HONORIFIC.sub("", self.cleaned_data["attention"])

    def clean(self):
        data = super().clean()
        if data.get("bill_to") == "workplace" and not self.member.workplace_name.strip():
            self.add_error("bill_to", "会員詳細に勤務先名が登録されていません。会員詳細で勤務先名を入力してください。")
        return data
