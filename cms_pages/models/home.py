"""The home page."""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .inquiry import help_pages
from .pages import NoticeIndexPage, NoticePage
from .site import SocietySettings


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
        context["latest_notices"] = NoticePage.objects.for_anyone().order_by("-date", "-pk")[:5]
        context["notice_index"] = NoticeIndexPage.objects.live().public().first()
        context["qa_page"], context["inquiry_page"] = help_pages(SocietySettings.for_request(request))
        context["menu_pages"] = self.menu_pages(context["notice_index"], context["qa_page"], context["inquiry_page"])
        return context

    def menu_pages(self, *linked):
        """The home's pages marked メニューに表示 (the editor's 「プロモート」 tab), live and public,
        besides those the page links to already: without it a page such as a guide (標準ページ)
        had no link from anywhere on the site."""
        linked_ids = [page.pk for page in linked if page is not None]
        return self.get_children().live().public().in_menu().exclude(pk__in=linked_ids)
