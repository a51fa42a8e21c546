"""Sections of a member's page in the admin (the secretariat's one view of a member).

Each app registers what it knows about a member (invoices, applications, seminars, credits,
renewals) with ``@member_section``, as the members-area shell does for menus and notices, so
membership does not import the other apps. A section is shown only to staff who may view its
model, and reads a bounded number of rows with a fixed number of queries.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html


@dataclass(frozen=True)
class Link:
    text: str
    url: str

    def __str__(self):
        return self.text


@dataclass
class MemberSection:
    heading: str
    columns: list
    rows: list  # lists of cells; a cell is text or a Link
    more_url: str = ""  # the full listing, filtered to this member
    summary: str = ""
    empty: str = "ありません。"
    order: int = 0


_providers = []


def member_section(provider):
    """Decorator: ``provider(member, user)`` returns a MemberSection, or None when the user may
    not see it."""
    _providers.append(provider)
    return provider


def member_sections(member, user):
    sections = [section for provider in _providers if (section := provider(member, user)) is not None]
    return sorted(sections, key=lambda section: section.order)


def member_link(member):
    """The member's number and name, linking to the member's inspect page."""
    return format_html(
        '<a href="{}">{} {}</a>',
        reverse("wagtailsnippets_membership_member:inspect", args=[member.pk]),
        member.member_number,
        member.full_name,
    )
