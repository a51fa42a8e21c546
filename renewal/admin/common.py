"""What renewal's admin screens share: the URL names of the snippet viewsets (they link to each
other), how a member is named on a confirm page, the empty confirm form, the listing of members'
rows, the seminar and session choices of their filters and the link to an import job."""

import django_filters
from django import forms
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.snippets.views import snippets as snippet_views

from core.admin_kit import SafeExportMixin
from membership.search import search_members

from ..models import Seminar, Session

SEMINAR_URLS = "wagtailsnippets_renewal_seminar"
REGISTRATION_URLS = "wagtailsnippets_renewal_registration"
CREDIT_URLS = "wagtailsnippets_renewal_credit"
RENEWAL_URLS = "wagtailsnippets_renewal_renewalapplication"
EXTENSION_URLS = "wagtailsnippets_renewal_extensionapplication"


def member_label(member):
    return f"{member.member_number} {member.full_name}"


def seminar_choices():
    return Seminar.objects.order_by("-starts_on", "pk")


def session_choices():
    return Session.objects.select_related("seminar").order_by("-seminar__starts_on", "seminar", "sort_order", "pk")


class SessionFilterSet(WagtailFilterSet):
    """The 学会・セミナー and セッション filters of every listing of a session's rows (registrations,
    credits, the waiting list)."""

    seminar = django_filters.ModelChoiceFilter(
        label="学会・セミナー",
        field_name="session__seminar",
        queryset=seminar_choices(),
        empty_label="すべて",
        widget=forms.Select,
    )
    session = django_filters.ModelChoiceFilter(
        label="セッション", queryset=session_choices(), empty_label="すべて", widget=forms.Select
    )


def import_job_link(number):
    """「取込 #12」 linking to the import's page (the imports app's URL; renewal only knows the number)."""
    return format_html('<a href="{}">取込 #{}</a>', reverse("imports:job", args=[number]), number) if number else ""


class EmptyForm(forms.Form):
    """The form of an action that asks only for a confirmation."""


class MemberRowsIndexView(SafeExportMixin, snippet_views.IndexView):
    """A listing of members' rows (registrations, credits): searched by member, in a stable
    order, with the member number column labelled 会員番号."""

    def search_queryset(self, queryset):
        return search_members(queryset, self.search_query) if self.is_searching else queryset

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "pk")

    @cached_property
    def columns(self):
        columns = super().columns
        for column in columns:
            # Wagtail names a related column by its dotted accessor and labels it 「会員 会員番号」.
            if getattr(column, "name", "") == "member.member_number":
                column.label = "会員番号"
        return columns


class ActionRowsIndexView(MemberRowsIndexView):
    """A listing of rows changed only through actions on their inspect page (registrations, the
    waiting list): the row opens 詳細, its menu offers ``row_actions`` and 履歴, no 編集 or 削除."""

    urls = ""  # the viewset's URL namespace

    def get_edit_url(self, instance):
        return None

    def get_delete_url(self, instance):
        return None

    def row_actions(self, instance):
        """MenuItems for the row's more-menu, before 詳細 and 履歴."""
        return []

    def get_list_more_buttons(self, instance):
        history = reverse(f"{self.urls}:history", args=[instance.pk])
        return [
            *self.row_actions(instance),
            *super().get_list_more_buttons(instance),
            MenuItem("履歴", url=history, icon_name="history", priority=90),
        ]
