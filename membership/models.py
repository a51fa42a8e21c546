"""Accounts and member profiles.

An account (``User``) is what logs in: a member by member number, a guest (non-member
seminar participant) by guest number, staff by a name. A ``Member`` is the profile of a
society member; staff accounts have none.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from .accounts import normalize_login_id


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
        except Member.DoesNotExist:
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
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class Member(models.Model):
    """A society member's profile. The member number is also the account's login id."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正会員"
        ON_LEAVE = "on_leave", "休会"
        WITHDRAWN = "withdrawn", "退会"
        LAPSED = "lapsed", "資格喪失"

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="member")
    member_number = models.CharField("会員番号", max_length=20, unique=True)
    family_name = models.CharField("氏名(姓)", max_length=50)
    given_name = models.CharField("氏名(名)", max_length=50)
    family_name_kana = models.CharField("フリガナ(姓)", max_length=100, blank=True)
    given_name_kana = models.CharField("フリガナ(名)", max_length=100, blank=True)
    status = models.CharField("会員ステータス", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_since = models.DateField("ステータス変更日", null=True, blank=True)
    joined_on = models.DateField("入会日", null=True, blank=True)

    class Meta:
        verbose_name = "会員"
        verbose_name_plural = "会員"
        ordering = ["member_number"]

    def __str__(self):
        return f"{self.member_number} {self.full_name}"

    def save(self, *args, **kwargs):
        self.member_number = normalize_login_id(self.member_number)
        super().save(*args, **kwargs)

    @property
    def full_name(self):
        return f"{self.family_name} {self.given_name}"
