"""Member profiles, and the public checks of their digital member cards."""

import base64
import secrets

from django.db import models
from django.utils import timezone

from ..accounts import normalize_login_id
from .accounts import User

PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
]  # fmt: skip
PREFECTURE_CHOICES = [(name, name) for name in PREFECTURES]

# Field groups of a member, in the order forms, the admin and spreadsheets show them.
MEMBER_NAME_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "alternate_name")
MEMBER_CONTACT_FIELDS = (
    "home_postal_code",
    "home_prefecture",
    "home_address1",
    "home_address2",
    "workplace_name",
    "workplace_postal_code",
    "workplace_prefecture",
    "workplace_address1",
    "workplace_address2",
    "mailing_address",
    "phone",
    "mobile",
)


def new_card_key():
    """The random part of a member's card token (membership.card): 128 bits, URL-safe."""
    return secrets.token_urlsafe(16)


# URL-safe base64 of one byte, without its padding: the last 2 characters of a card key.
_LAST_BYTE = [base64.urlsafe_b64encode(bytes([byte]))[:2].decode() for byte in range(256)]


def new_card_keys(count):
    """``count`` keys as ``new_card_key`` makes them, drawn at once (the member import: one call
    to the system, not one per member). 16 random bytes encode as 15 (20 characters, whole groups
    of 3 bytes) then 1 (2 characters): ``token_urlsafe(16)`` exactly."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(15 * count)).decode()
    return [text[20 * i : 20 * i + 20] + _LAST_BYTE[byte] for i, byte in enumerate(secrets.token_bytes(count))]


class Member(models.Model):
    """A society member's profile. The member number is also the account's login id.

    The registered e-mail address is the account's (``user.email``): password reset and
    mails use it, and a change takes effect only once confirmed (services.request_email_change).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "正会員"
        ON_LEAVE = "on_leave", "休会"
        WITHDRAWN = "withdrawn", "退会"
        LAPSED = "lapsed", "資格喪失"
        # A non-member who signed up to register for seminars open to non-members
        # (membership.guests): the member number is the guest number (G0000001).
        GUEST = "guest", "非会員(ゲスト)"

    class MailingAddress(models.TextChoices):
        HOME = "home", "自宅"
        WORKPLACE = "workplace", "勤務先"

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="member")
    member_number = models.CharField("会員番号", max_length=20, unique=True)

    family_name = models.CharField("氏名(姓)", max_length=50)
    given_name = models.CharField("氏名(名)", max_length=50)
    family_name_kana = models.CharField("フリガナ(姓)", max_length=100, blank=True)
    given_name_kana = models.CharField("フリガナ(名)", max_length=100, blank=True)
    alternate_name = models.CharField(
        "代替文字",
        max_length=100,
        blank=True,
        help_text="氏名に環境依存文字(例: 﨑、髙)がある場合に、置き換えた氏名(例: 山崎 花子)を入力します。",
    )
    birth_date = models.DateField("生年月日", null=True, blank=True)

    home_postal_code = models.CharField("自宅 郵便番号", max_length=8, blank=True)
    home_prefecture = models.CharField("自宅 都道府県", max_length=4, choices=PREFECTURE_CHOICES, blank=True)
    home_address1 = models.CharField("自宅 住所1(市区町村・番地)", max_length=200, blank=True)
    home_address2 = models.CharField("自宅 住所2(建物名・部屋番号)", max_length=200, blank=True)

    workplace_name = models.CharField("勤務先名", max_length=200, blank=True)
    workplace_postal_code = models.CharField("勤務先 郵便番号", max_length=8, blank=True)
    workplace_prefecture = models.CharField("勤務先 都道府県", max_length=4, choices=PREFECTURE_CHOICES, blank=True)
    workplace_address1 = models.CharField("勤務先 住所1(市区町村・番地)", max_length=200, blank=True)
    workplace_address2 = models.CharField("勤務先 住所2(建物名・部屋番号)", max_length=200, blank=True)
    mailing_address = models.CharField(
        "郵送先", max_length=10, choices=MailingAddress.choices, default=MailingAddress.HOME
    )

    phone = models.CharField("電話番号", max_length=11, blank=True)
    mobile = models.CharField("携帯番号", max_length=11, blank=True)

    status = models.CharField("会員ステータス", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_since = models.DateField("ステータス変更日", null=True, blank=True)
    status_reason = models.CharField("ステータス変更理由", max_length=200, blank=True)
    joined_on = models.DateField("入会日", null=True, blank=True)

    certification_number = models.CharField("技師認定番号", max_length=20, blank=True)
    certification_expires_on = models.DateField("認定有効期限", null=True, blank=True)
    card_key = models.CharField(
        "会員証の鍵",
        max_length=32,
        unique=True,
        default=new_card_key,
        editable=False,
        help_text="会員証のQRコードのURLに含まれる乱数です(membership.card)。",
    )

    profile_saved_at = models.DateTimeField(
        "会員情報の最終保存日時",
        null=True,
        blank=True,
        help_text="支払手続きの前に、当日に会員情報を確認済みかどうかの判断に使います。",
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "会員"
        verbose_name_plural = "会員"
        ordering = ["member_number"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["certification_expires_on"]),
            models.Index(fields=["home_prefecture"]),
        ]

    def __str__(self):
        return f"{self.member_number} {self.full_name}"

    def save(self, *args, **kwargs):
        self.member_number = normalize_login_id(self.member_number)
        super().save(*args, **kwargs)

    @property
    def full_name(self):
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self):
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    @property
    def email(self):
        return self.user.email

    @property
    def mailing_prefecture(self):
        if self.mailing_address == self.MailingAddress.WORKPLACE:
            return self.workplace_prefecture
        return self.home_prefecture

    @property
    def is_guest(self):
        return self.status == self.Status.GUEST

    def profile_confirmed_on(self, day):
        """True when the member saved the profile on ``day`` (Asia/Tokyo): guide 4 ①."""
        return self.profile_saved_at is not None and timezone.localdate(self.profile_saved_at) == day
