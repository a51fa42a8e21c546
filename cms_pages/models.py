"""Public site pages (Wagtail) and the society's site settings."""

import re
from email.utils import parseaddr

import segno
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageViewRestriction, Site
from wagtail.query import PageQuerySet

from .forms import InquiryFormBuilder


@register_setting(icon="site")
class SocietySettings(BaseSiteSetting):
    """Editable facts about the society: shown on pages, mails and (later) receipts."""

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
    receipt_issuer_name = models.CharField("領収書の発行者名", max_length=100, blank=True)
    receipt_issuer_address = models.TextField("領収書の発行者住所", blank=True)
    invoice_registration_number = models.CharField(
        "適格請求書発行事業者登録番号",
        max_length=14,
        blank=True,
        help_text="T に続く13桁の数字(例: T1234567890123)。登録がない場合は空欄にしてください。",
    )

    panels = [
        FieldPanel("society_name"),
        FieldPanel("contact_email"),
        PageChooserPanel(
            "inquiry_page",
            help_text="会員ページとログイン画面の「お問い合わせ」のリンク先です。空欄の場合は最初のお問い合わせフォームです。",
        ),
        FieldPanel("receipt_issuer_name"),
        FieldPanel("receipt_issuer_address"),
        FieldPanel("invoice_registration_number"),
    ]

    class Meta:
        verbose_name = "学会の設定"

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
    def mail_domains(self):
        """The domains the society's mails come from (its contact address and the system's
        sender), for the note asking phone users to let them through their spam filters."""
        domains = []
        for address in (self.contact_email, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]):
            domain = address.rpartition("@")[2].lower() if "@" in address else ""
            if domain and domain not in domains:
                domains.append(domain)
        return domains


def society_settings():
    """The society's settings for the default site (defaults when there is no site yet)."""
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return SocietySettings.for_site(site) if site else SocietySettings()


class HomePage(Page):
    intro = RichTextField("紹介文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = [
        "cms_pages.NoticeIndexPage",
        "cms_pages.QAPage",
        "cms_pages.StandardPage",
        "cms_pages.InquiryPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = "ホームページ"

    @cached_property
    def login_url(self):
        return f"{settings.SITE_URL}{reverse('member:login')}"

    def login_qr_svg(self):
        """An inline SVG data URI of the members-area login URL, for phone users (guide 1)."""
        return segno.make(self.login_url, error="m").svg_data_uri(scale=4, border=2)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_notices"] = NoticePage.objects.live().public().order_by("-date", "-pk")[:5]
        context["notice_index"] = NoticeIndexPage.objects.live().public().first()
        context["qa_page"], context["inquiry_page"] = help_pages(SocietySettings.for_request(request))
        return context


class NoticeQuerySet(PageQuerySet):
    def visible_to_members(self):
        """Live notices a logged-in member may read: public ones and members-only ones.

        Members-only means Wagtail's "logged-in users" view restriction; notices behind a
        password or a group restriction are left out.
        """
        q = Q()
        for restriction in PageViewRestriction.objects.exclude(
            restriction_type=PageViewRestriction.LOGIN
        ).select_related("page"):
            q |= self.descendant_of_q(restriction.page, inclusive=True)
        queryset = self.live()
        return queryset.exclude(q) if q else queryset


NoticeManager = PageManager.from_queryset(NoticeQuerySet)


def mark_members_only(notices):
    """Set ``members_only`` on each notice with one query for the whole list (no N+1)."""
    paths = list(
        PageViewRestriction.objects.filter(restriction_type=PageViewRestriction.LOGIN).values_list(
            "page__path", flat=True
        )
    )
    for notice in notices:
        notice.members_only = any(notice.path.startswith(path) for path in paths)
    return notices


class NoticeIndexPage(Page):
    intro = RichTextField("紹介文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms_pages.NoticePage"]

    class Meta:
        verbose_name = "お知らせ一覧ページ"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        notices = NoticePage.objects.child_of(self).live().public().order_by("-date", "-pk")
        context["page_obj"] = Paginator(notices, 10).get_page(request.GET.get("page"))
        return context


class NoticePage(Page):
    date = models.DateField("掲載日", default=timezone.localdate)
    body = RichTextField("本文")

    objects = NoticeManager()

    content_panels = Page.content_panels + [FieldPanel("date"), FieldPanel("body")]
    parent_page_types = ["cms_pages.NoticeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "お知らせ"

    @cached_property
    def members_only(self):
        return self.get_view_restrictions().filter(restriction_type=PageViewRestriction.LOGIN).exists()


class QuestionAnswerBlock(blocks.StructBlock):
    question = blocks.CharBlock(label="質問")
    answer = blocks.RichTextBlock(label="回答")

    class Meta:
        icon = "help"
        label = "質問と回答"
        template = "cms_pages/blocks/question_answer.html"


class QAPage(Page):
    """会員管理システムに関する Q&A; the login page links to the first one."""

    intro = RichTextField("紹介文", blank=True)
    questions = StreamField([("qa", QuestionAnswerBlock())], verbose_name="質問と回答", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("questions")]
    subpage_types = []

    class Meta:
        verbose_name = "Q&Aページ"


class StandardPage(Page):
    """A plain content page for guides and other texts."""

    body = RichTextField("本文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
    subpage_types = ["cms_pages.StandardPage"]

    class Meta:
        verbose_name = "標準ページ"


class InquiryFormField(AbstractFormField):
    """One field of the inquiry form, defined by editors in the page editor."""

    class Prefill(models.TextChoices):
        NAME = "name", "氏名"
        FURIGANA = "furigana", "フリガナ"
        MEMBER_NUMBER = "member_number", "会員番号(ゲストユーザー番号)"
        EMAIL = "email", "メールアドレス"

    page = ParentalKey("InquiryPage", on_delete=models.CASCADE, related_name="form_fields")
    prefill = models.CharField(
        "ログイン中の会員情報で初期入力",
        max_length=20,
        choices=Prefill.choices,
        blank=True,
        help_text="ログインしている会員がフォームを開いたとき、この項目に入れておく会員情報(会員は修正できます)。",
    )

    panels = AbstractFormField.panels + [FieldPanel("prefill")]


class InquiryPage(AbstractEmailForm):
    """お問い合わせフォーム (guide 16): submissions are stored and mailed to the secretariat.

    The mail goes out as a background task after the submission is committed, never while the
    visitor waits. Who may read the submissions in the admin is a permission of its own
    (``wagtailforms.view_formsubmission``, see wagtail_hooks.py), not page editing.
    """

    intro = RichTextField("紹介文", blank=True)
    thank_you_text = RichTextField("送信後のメッセージ", blank=True)

    form_builder = InquiryFormBuilder

    content_panels = AbstractEmailForm.content_panels + [
        FieldPanel("intro"),
        InlinePanel("form_fields", label="フォームの項目"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            "事務局への通知メール",
            help_text="宛先が空欄の場合は、学会の設定の「問い合わせ先メールアドレス」に送ります。",
        ),
    ]
    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = "お問い合わせフォーム"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["qa_page"] = QAPage.objects.live().public().first()
        context["mail_domains"] = SocietySettings.for_request(request).mail_domains
        return context

    def get_form(self, *args, **kwargs):
        if not args and "data" not in kwargs:  # an empty form: fill in what we know
            kwargs.setdefault("initial", self.initial_from_profile(kwargs.get("user")))
        return super().get_form(*args, **kwargs)

    def initial_from_profile(self, user):
        """The logged-in member's (or guest's) own details for the fields marked to prefill."""
        if user is None or not user.is_authenticated:
            return {}
        member = getattr(user, "member_profile", None)
        if member is not None:
            values = {
                "name": member.full_name,
                "furigana": member.full_name_kana,
                "member_number": member.member_number,
                "email": user.email,
            }
        elif getattr(user, "kind", "") == "guest":  # a guest logs in with the guest number
            values = {"member_number": user.username, "email": user.email}
        else:
            return {}  # staff: nothing of theirs belongs in a member's inquiry
        initial = {}
        for field in self.get_form_fields():
            if field.prefill and values.get(field.prefill):
                initial[field.clean_name or field.get_field_clean_name()] = values[field.prefill]
        return initial

    def process_form_submission(self, form):
        """Store the submission and queue the mail to the secretariat; a bot (a filled
        honeypot) gets the thank-you page but nothing is stored or sent."""
        from core.outbox import enqueue_with_transaction

        from .tasks import send_inquiry_mail

        if form.is_spam():
            return None
        with transaction.atomic():
            submission = self.get_submission_class().objects.create(form_data=form.submission_data(), page=self)
            enqueue_with_transaction(send_inquiry_mail, submission_id=submission.pk)
        return submission

    def get_submissions_list_view_class(self):
        from .admin.inquiries import InquirySubmissionsListView  # the admin's views load after the models

        return InquirySubmissionsListView

    def send_mail(self, form):
        raise NotImplementedError("The inquiry mail is sent by the send_inquiry_mail task.")

    def mail_recipients(self, site_settings):
        if self.to_address:
            return [address.strip() for address in self.to_address.split(",") if address.strip()]
        return [site_settings.contact_email] if site_settings.contact_email else []

    def inquiry_mail(self, submission):
        """The secretariat's mail for one stored submission, or None without a recipient."""
        site = self.get_site() or Site.objects.filter(is_default_site=True).first()
        site_settings = SocietySettings.for_site(site)
        recipients = self.mail_recipients(site_settings)
        if not recipients:
            return None
        data = submission.form_data
        lines = [f"{site_settings.society_name}の「{self.title}」に次のお問い合わせがありました。", ""]
        reply_to = []
        for field in self.get_form_fields():
            value = data.get(field.clean_name, "")
            if isinstance(value, list):
                value = "、".join(str(item) for item in value)
            value = str(value).strip()
            if field.field_type == "email" and value and not reply_to:
                reply_to.append(value)
            if "\n" in value:
                lines += [f"{field.label}:", *(f"  {line}" for line in value.splitlines()), ""]
            else:
                lines.append(f"{field.label}: {value}")
        submitted = timezone.localtime(submission.submit_time)
        lines += [
            "",
            f"受付日時: {submitted:%Y年%m月%d日 %H:%M}",
            f"管理画面: {settings.SITE_URL}{reverse('wagtailforms:list_submissions', args=[self.pk])}",
        ]
        return EmailMessage(
            subject=self.subject or f"【{self.title}】{site_settings.society_name}",
            body="\n".join(lines),
            from_email=self.from_address or None,
            to=recipients,
            reply_to=reply_to,
        )


def help_pages(site_settings):
    """The Q&A page and the inquiry page that the login and home pages link to, found in one
    query (besides Wagtail's lookup of view restrictions); either may be None.

    The inquiry page is the one chosen in the society settings when it is live and public,
    otherwise the first live public InquiryPage. Both are returned as plain ``Page`` objects,
    which is all a link needs.
    """
    types = ContentType.objects.get_for_models(QAPage, InquiryPage)  # cached after the first call
    chosen_id = site_settings.inquiry_page_id if site_settings else None
    wanted = Q(content_type__in=types.values())
    if chosen_id:
        wanted |= Q(pk=chosen_id)
    qa_page = inquiry_page = chosen = None
    for page in Page.objects.live().public().filter(wanted).order_by("path"):
        if page.pk == chosen_id:
            chosen = page
        if page.content_type_id == types[QAPage].pk and qa_page is None:
            qa_page = page
        if page.content_type_id == types[InquiryPage].pk and inquiry_page is None:
            inquiry_page = page
    return qa_page, chosen or inquiry_page
