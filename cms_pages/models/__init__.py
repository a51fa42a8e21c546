"""Public site pages (Wagtail) and the society's site settings, one module per area."""

from .home import HomePage
from .inquiry import InquiryFormField, InquiryPage, help_pages
from .pages import (
    NoticeIndexPage,
    NoticeManager,
    NoticePage,
    NoticeQuerySet,
    QAPage,
    QuestionAnswerBlock,
    StandardPage,
    latest_notices_for_members,
    mark_members_only,
    view_restrictions,
)
from .site import SocietySettings, society_name, society_settings

__all__ = [
    "HomePage",
    "InquiryFormField",
    "InquiryPage",
    "NoticeIndexPage",
    "NoticeManager",
    "NoticePage",
    "NoticeQuerySet",
    "QAPage",
    "QuestionAnswerBlock",
    "SocietySettings",
    "StandardPage",
    "help_pages",
    "latest_notices_for_members",
    "mark_members_only",
    "view_restrictions",
    "society_name",
    "society_settings",
]
