"""Notices, the Q&A page and standard pages."""

from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet


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
