"""Public site pages (Wagtail) and the society's site settings."""

import re

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet


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
        PageChooserPanel("inquiry_page"),
        FieldPanel("receipt_issuer_name"),
        FieldPanel("receipt_issuer_address"),
        FieldPanel("invoice_registration_number"),
    ]

    class Meta:
        verbose_name = "学会の設定"

    def clean(self):
        number = self.invoice_registration_number = self.invoice_registration_number.strip().upper()
        if number and not re.fullmatch(r"T\d{13}", number):
            raise ValidationError({"invoice_registration_number": "登録番号は T に続く13桁の数字で入力してください。"})


class HomePage(Page):
    intro = RichTextField("紹介文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms_pages.NoticeIndexPage", "cms_pages.QAPage", "cms_pages.StandardPage"]
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
        context["qa_page"] = QAPage.objects.live().public().first()
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
