"""Accounts and member profiles.

An account (``User``) is what logs in: a member by member number, a guest (non-member
seminar participant) by guest number, staff by a name. A ``Member`` is the profile of a
society member; staff accounts have none.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone

from core.dates import datetime_display

from ..accounts import normalize_login_id


class AccountManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: normalize_login_id(username)})


class User(AbstractUser):
    class Kind(models.TextChoices):
        MEMBER = "member", "会員"
        GUEST = "guest", "ゲスト(非会員)"
        STAFF = "staff", "事務局"

    # AbstractUser's username is the login id: the member number for members (a string,
    # leading zeros kept), the guest number for guests, a name for staff.
    username = models.CharField(
        "ログインID",
        max_length=150,
        unique=True,
        help_text="会員は会員番号、非会員はゲスト番号、事務局は任意の名前です。",
        error_messages={"unique": "このログインIDはすでに使われています。"},
    )
    kind = models.CharField("区分", max_length=10, choices=Kind.choices, default=Kind.MEMBER)
    password_changed_at = models.DateTimeField("パスワード変更日時", null=True, blank=True)

    objects = AccountManager()

    class Meta:
        verbose_name = "アカウント"
        verbose_name_plural = "アカウント"
        # 事務局: reset a colleague's two-factor device (membership.two_factor).
        permissions = [("reset_two_factor_user", "Can reset two-factor login of アカウント")]

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args, **kwargs):
        self.username = normalize_login_id(self.username)
        super().save(*args, **kwargs)

    @property
    def password_is_old(self):
        """True when the password is older than PASSWORD_MAX_AGE_DAYS (guide section 11)."""
        if not self.has_usable_password() or self.password_changed_at is None:
            return False
        age = timezone.now() - self.password_changed_at
        return age.days >= settings.PASSWORD_MAX_AGE_DAYS

    @property
    def member_profile(self):
        try:
            return self.member
        except ObjectDoesNotExist:
            return None


class PasswordHistory(models.Model):
    """Hashes of the passwords an account has had, newest last (the reuse rule)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "パスワード履歴"
        verbose_name_plural = "パスワード履歴"

    def __str__(self):
        return f"{self.user} {timezone.localdate(self.created_at):%Y-%m-%d}"


class ThrottleHit(models.Model):
    """One request to a public form, kept a day to throttle it (``membership/throttle.py``).

    A request leaves one row per key it is counted under (``kind``: the e-mail address, the
    member number, the network address); the key itself is stored only as a SHA-256 hash.
    """

    purpose = models.CharField("用途", max_length=40)
    kind = models.CharField("種類", max_length=20)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "公開フォームの利用記録"
        verbose_name_plural = "公開フォームの利用記録"
        indexes = [models.Index(fields=["purpose", "kind", "key_hash", "created_at"], name="throttle_hit_key")]

    def __str__(self):
        return f"{datetime_display(self.created_at)} {self.purpose} {self.kind}"
