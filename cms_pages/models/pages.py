"""Notices, the Q&A page and standard pages."""

from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet

from core.cached_rows import CachedRows

from ..notice_form import NoticePageForm


def view_restrictions():
    """(restriction type, restricted page's path) of every view restriction: a handful of rows,
    read once and shared by ``visible_to_members`` and ``mark_members_only``.

    Plain path prefixes built in Python: an ``Exists`` subquery on the path does the same in
    one query, but costs ten times more to build than the extra query costs to run.
    """
    return list(PageViewRestriction.objects.values_list("restriction_type", "page__path"))


class NoticeQuerySet(PageQuerySet):
    def visible_to_members(self, restrictions=None):
        """Live notices a logged-in member may read: public ones and members-only ones.

        Members-only means Wagtail's "logged-in users" view restriction; notices behind a
        password or a group restriction (their own or an ancestor's) are left out.
        """
        restrictions = view_restrictions() if restrictions is None else restrictions
        hidden = Q()
        for kind, path in restrictions:
            if kind != PageViewRestriction.LOGIN:
                hidden |= Q(path__startswith=path)
        queryset = self.live()
        return queryset.exclude(hidden) if hidden else queryset

    def for_anyone(self):
        """Live notices anyone may read (the public lists): not behind a view restriction and not 会員限定."""
        return self.live().public().filter(members_only=False)


NoticeManager = PageManager.from_queryset(NoticeQuerySet)


def mark_members_only(notices, restrictions=None):
    """Set ``members_only`` on each notice (for display) when it is behind a "logged-in users"
    restriction, its own or an ancestor's, with one query for the whole list (none when the
    caller passes the ``view_restrictions()`` it already read)."""
    restrictions = view_restrictions() if restrictions is None else restrictions
    paths = [path for kind, path in restrictions if kind == PageViewRestriction.LOGIN]
    for notice in notices:
        notice.members_only = notice.members_only or any(notice.path.startswith(path) for path in paths)
    return notices


class NoticeIndexPage(Page):
    intro = RichTextField("紹介文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms_pages.NoticePage"]

    class Meta:
        verbose_name = "お知らせ一覧ページ"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        notices = NoticePage.objects.child_of(self).for_anyone().order_by("-date", "-pk")
        context["page_obj"] = Paginator(notices, 10).get_page(request.GET.get("page"))
        return context


class NoticePage(Page):
    """お知らせ. 会員限定 (``members_only``) is chosen on the notice itself, before publishing.

    The notice's privacy has one control, this field: saving the page with it creates the
    "logged-in users" view restriction (``PageViewRestriction.LOGIN``) in the same transaction
    as the page row, and saving without it removes that restriction. Every way a notice becomes
    live saves the row (the admin's publish, which first inserts the new page as live; scheduled
    publishing by ``publish_scheduled``; copying; aliases), so no other connection ever sees a
    live members-only notice without its restriction. Wagtail's own privacy dialog is off for
    notices (``private_page_options``), so the field and the restriction cannot disagree; an
    ancestor's restriction (a notice index made private) still applies to its notices.
    """

    date = models.DateField("掲載日", default=timezone.localdate)
    members_only = models.BooleanField(
        "会員限定",
        default=False,
        help_text="チェックすると、ログインした会員だけが読めます(公開した瞬間から会員限定です)。"
        "一般公開のお知らせ一覧・トップページには表示されません。",
    )
    body = RichTextField("本文")

    objects = NoticeManager()
    base_form_class = NoticePageForm  # a 会員限定 notice links no public document

    content_panels = Page.content_panels + [FieldPanel("date"), FieldPanel("members_only"), FieldPanel("body")]
    parent_page_types = ["cms_pages.NoticeIndexPage"]
    subpage_types = []
    private_page_options = []  # privacy is the 会員限定 field (above)

    class Meta:
        verbose_name = "お知らせ"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "members_only" not in update_fields:
            return super().save(*args, **kwargs)  # e.g. a draft revision's bookkeeping: the row's content is unchanged
        with transaction.atomic():
            result = super().save(*args, **kwargs)
            self.apply_members_only()
        return result

    def apply_members_only(self):
        """Make the notice's own "logged-in users" restriction match ``members_only`` (inside save's transaction)."""
        own = list(PageViewRestriction.objects.filter(page=self, restriction_type=PageViewRestriction.LOGIN))
        if self.members_only and not own:
            PageViewRestriction(page=self, restriction_type=PageViewRestriction.LOGIN).save()
        # Wagtail's copy adds the original's restriction after the copy's save made one: the
        # second (harmless, it says the same) goes at the copy's next save.
        for restriction in own[1:] if self.members_only else own:
            restriction.delete()


_LATEST_FOR_MEMBERS = CachedRows("latest-notices-for-members", models=[NoticePage, Page, PageViewRestriction])


def latest_notices_for_members(count):
    """The ``count`` newest notices a member may read, 会員限定 marked, for the dashboard: the
    same list for every member, so from the cache (``core.cached_rows``), not two queries a page."""

    def latest():
        restrictions = view_restrictions()
        notices = NoticePage.objects.visible_to_members(restrictions)
        # Only what a list and its links need: a whole Wagtail page costs ten times more to build.
        notices = notices.only("title", "date", "members_only", "url_path", "path").order_by("-date", "-pk")
        return mark_members_only(list(notices[:count]), restrictions)

    return _LATEST_FOR_MEMBERS.get(latest, part=count)


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
