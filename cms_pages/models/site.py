"""The society's site settings: its name, contact address, receipt issuer and where inquiries go."""

import re
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.http.request import split_domain_port
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Page, Site

from core.cached_rows import CachedRows


def split_addresses(value):
    return [address.strip() for address in (value or "").split(",") if address.strip()]


def validate_addresses(value):
    for address in split_addresses(value):
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError(f"メールアドレスの形式が正しくありません: {address}") from error


@register_setting(icon="site")
class SocietySettings(BaseSiteSetting):
    """Editable facts about the society: shown on pages, mails and receipts, and where the
    inquiries go. Only users with ``cms_pages.change_societysettings`` (the 事務局 group,
    migration 0004) edit them; editors (編集者) do not."""

    society_name = models.CharField("学会名", max_length=100, default="日本消化器内視鏡技師会")
    contact_email = models.EmailField("問い合わせ先メールアドレス", blank=True)
    inquiry_page = models.ForeignKey(
        Page,
        verbose_name="お問い合わせページ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inquiry_recipients = models.CharField(
        "お問い合わせの送信先",
        max_length=255,
        blank=True,
        validators=[validate_addresses],
        help_text="お問い合わせフォームの内容(氏名・会員番号などの個人情報)を送るメールアドレス。"
        "複数の場合はカンマで区切ります。空欄の場合は「問い合わせ先メールアドレス」に送ります。",
    )
    inquiry_from_address = models.EmailField(
        "お問い合わせ通知の送信元",
        blank=True,
        help_text="空欄の場合はシステムの送信元アドレスです。",
    )
    receipt_issuer_name = models.CharField("領収書の発行者名", max_length=100, blank=True)
    receipt_issuer_address = models.TextField("領収書の発行者住所", blank=True)
    invoice_registration_number = models.CharField(
        "適格請求書発行事業者登録番号",
        max_length=14,
        blank=True,
        help_text="T に続く13桁の数字(例: T1234567890123)。登録がない場合は空欄にしてください。",
    )
    invoice_bank_account = models.TextField(
        "請求書の振込先",
        blank=True,
        help_text="請求書に印刷する振込先の口座(例: ○○銀行 △△支店 普通 1234567 口座名義 ...)。",
    )
    invoice_due_days = models.PositiveSmallIntegerField(
        "請求書の支払期限(発行日からの日数)", default=30, help_text="請求書の発行日からこの日数後がお支払期限です。"
    )

    panels = [
        FieldPanel("society_name"),
        FieldPanel("contact_email"),
        PageChooserPanel(
            "inquiry_page",
            help_text="会員ページとログイン画面の「お問い合わせ」のリンク先です。空欄の場合は最初のお問い合わせフォームです。",
        ),
        MultiFieldPanel(
            [FieldPanel("inquiry_recipients"), FieldPanel("inquiry_from_address")],
            "お問い合わせの通知メール",
            help_text="個人情報の送り先は事務局が決めます。編集者はページを編集できますが、この設定は変更できません。",
        ),
        FieldPanel("receipt_issuer_name"),
        FieldPanel("receipt_issuer_address"),
        FieldPanel("invoice_registration_number"),
        FieldPanel("invoice_bank_account"),
        FieldPanel("invoice_due_days"),
    ]

    class Meta:
        verbose_name = "学会の設定"

    @classmethod
    def for_request(cls, request):
        """Wagtail's, with the site and its settings from the cache (``core.cached_rows``):
        every page shows the society's name, and the settings change a few times a year."""
        attr_name = cls.get_cache_attr_name()
        if not hasattr(request, attr_name):
            site = site_for_request(request)
            if site is None:
                raise cls.DoesNotExist("SocietySettings does not exist for site None.")
            site_settings = _SETTINGS.get(lambda: cls.for_site(site), part=site.pk)
            site_settings._request = request  # as Wagtail's: page links built for this request
            setattr(request, attr_name, site_settings)
        return getattr(request, attr_name)

    @classmethod
    def for_request_or_default(cls, request):
        """The request's site's settings, or unsaved defaults when no Wagtail site is set up
        (an empty database): the login page must open even then."""
        try:
            return cls.for_request(request)
        except cls.DoesNotExist:
            return cls()

    def clean(self):
        number = self.invoice_registration_number = self.invoice_registration_number.strip().upper()
        if number and not re.fullmatch(r"T\d{13}", number):
            raise ValidationError({"invoice_registration_number": "登録番号は T に続く13桁の数字で入力してください。"})

    @property
    def inquiry_mail_recipients(self):
        """Where the inquiries (personal data) are mailed: the secretariat's decision, never a
        page editor's (issue 11)."""
        addresses = split_addresses(self.inquiry_recipients)
        return addresses or ([self.contact_email] if self.contact_email else [])

    @property
    def mail_domains(self):
        """The domains the society's mails come from (its contact address and the system's
        sender), for the note asking phone users to let them through their spam filters."""
        domains = []
        for address in (self.contact_email, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]):
            domain = address.rpartition("@")[2].lower() if "@" in address else ""
            if domain and domain not in domains:
                domains.append(domain)
        return domains


_SITES = CachedRows("sites", models=[Site])
_SETTINGS = CachedRows("society-settings", models=[SocietySettings, Site])


def site_for_request(request):
    """Wagtail's ``Site.find_for_request``, the answer cached per host (``core.cached_rows``)."""
    if not hasattr(request, "_wagtail_site"):
        # The raw host, as Wagtail's lookup (no ALLOWED_HOSTS check here; CommonMiddleware made it).
        host = (split_domain_port(request._get_raw_host())[0], request.get_port())
        request._wagtail_site = _SITES.get(lambda: Site.find_for_request(request), part=host)
    return request._wagtail_site


def society_settings():
    """The society's settings for the default site (defaults when there is no site yet)."""
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return SocietySettings.for_site(site) if site else SocietySettings()


def society_name():
    """The society's name as a re-issued document prints it (受講票, 出席証明書): from the cache,
    as every page shows it (``core.cached_rows``), not read from the database each time."""
    site = _SITES.get(lambda: Site.objects.filter(is_default_site=True).first() or Site.objects.first(), part="default")
    if site is None:
        return SocietySettings().society_name
    return _SETTINGS.get(lambda: SocietySettings.for_site(site), part=site.pk).society_name
