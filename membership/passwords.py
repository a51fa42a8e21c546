"""Password rules of the member guide (section 11), one validator and one message per rule.

Registered in ``AUTH_PASSWORD_VALIDATORS`` so that every form that sets a password (change,
reset, the admin) applies them.
"""

import string
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

ALLOWED_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)


def _is_wide(ch):
    """Full-width (zenkaku) characters: what an IME left switched on produces."""
    return unicodedata.east_asian_width(ch) in ("F", "W", "A")


class LengthValidator:
    def __init__(self, min_length=8, max_length=20):
        self.min_length = min_length
        self.max_length = max_length

    def validate(self, password, user=None):
        if not self.min_length <= len(password) <= self.max_length:
            raise ValidationError(
                f"パスワードは{self.min_length}～{self.max_length}文字で設定してください。",
                code="password_length",
            )

    def get_help_text(self):
        return f"文字数は{self.min_length}～{self.max_length}文字です。"


class HalfWidthValidator:
    def validate(self, password, user=None):
        if any(_is_wide(ch) for ch in password):
            raise ValidationError("パスワードは必ず半角で入力してください。", code="password_not_half_width")

    def get_help_text(self):
        return "必ず半角で入力してください。"


class AllowedCharactersValidator:
    def validate(self, password, user=None):
        # Full-width characters are reported by HalfWidthValidator; this catches the rest
        # (half-width kana, spaces, control characters).
        if any(ch not in ALLOWED_CHARACTERS and not _is_wide(ch) for ch in password):
            raise ValidationError(
                'パスワードに使用できるのは英小文字、英大文字、数字、記号(!"#$ など)です。',
                code="password_characters",
            )

    def get_help_text(self):
        return '英小文字、英大文字、数字および記号(!"#$ など)が使えます。'


class UppercaseValidator:
    def validate(self, password, user=None):
        if not any("A" <= ch <= "Z" for ch in password):
            raise ValidationError("パスワードには1文字以上の英大文字を含めてください。", code="password_no_upper")

    def get_help_text(self):
        return "英大文字を1文字以上含めてください。"


class DigitValidator:
    def validate(self, password, user=None):
        if not any("0" <= ch <= "9" for ch in password):
            raise ValidationError("パスワードには1文字以上の数字を含めてください。", code="password_no_digit")

    def get_help_text(self):
        return "数字を1文字以上含めてください。"


class HistoryValidator:
    """Refuses any of the last PASSWORD_HISTORY_COUNT passwords, and records each new one."""

    @property
    def count(self):
        return settings.PASSWORD_HISTORY_COUNT

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        recent = list(user.password_history.values_list("password", flat=True)[: self.count])
        # The password in use counts as the newest of the last ones, however it was set (seeded,
        # created by staff, imported) and so whether or not the history recorded it.
        current = get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if current and current not in recent:
            recent = [current, *recent[: self.count - 1]]
            user._unrecorded_password = current  # recorded by password_changed if this one is stored
        if any(check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                f"過去{self.count}回以内に使用していたパスワードと同一のものは利用できません。",
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        # Called by AbstractBaseUser.save() right after a new password was stored.
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from .models import PasswordHistory

        unrecorded = getattr(user, "_unrecorded_password", None)
        if unrecorded and unrecorded != user.password:
            PasswordHistory.objects.create(user=user, password=unrecorded)
            user._unrecorded_password = None
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[max(self.count, 1) * 2 :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return f"過去{self.count}回以内に使用していたパスワードは使えません。"
