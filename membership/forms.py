from django import forms
from django.contrib.auth import forms as auth_forms

from .accounts import normalize_login_id
from .models import User


class LoginForm(auth_forms.AuthenticationForm):
    """Member number (or guest number, staff name) and a case-sensitive password."""

    username = auth_forms.UsernameField(
        label="会員番号",
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
    """Guide 11 (※※): member number plus the registered e-mail address."""

    username = forms.CharField(label="会員番号", max_length=150)
    email = forms.EmailField(label="メールアドレス")

    error_messages = {"not_found": "会員情報が見つかりません。"}

    def clean(self):
        cleaned = super().clean()
        login_id = normalize_login_id(cleaned.get("username"))
        email = (cleaned.get("email") or "").strip()
        if login_id and email:
            user = User.objects.filter(username=login_id, email__iexact=email, is_active=True).first()
            if user is None:
                raise forms.ValidationError(self.error_messages["not_found"], code="not_found")
            self.user = user
        return cleaned


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
