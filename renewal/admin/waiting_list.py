"""キャンセル待ち in the admin (the 「セミナー・受講歴」 group, registered in wagtail_hooks.py).

A listing per session (filters seminar, session, state; search by member) with each entry's
place in line and offer state, export, and 「席を案内する」 (offer a free seat by hand, out of
turn if staff choose, ``OfferSeatView`` → ``waiting_list.offer_by_hand``). The history entries
of the waiting list and of a registration lapsing unpaid are formatted here. Seats freed by a
raised capacity are offered on the seminar form's save (``offer_after_seminar_edit``).
"""

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import (
    ActionFormView,
    ActionOnlyViewSetMixin,
    ReadOnlyInspectView,
    RestrictedPermissionPolicy,
    date_display,
    datetime_display,
)
from membership.admin_sections import member_link

from .. import waiting_list
from ..models import WaitlistEntry
from ..registrations import LAPSED_ACTION
from .common import ActionRowsIndexView, EmptyForm, SessionFilterSet, member_label

WAITLIST_URLS = "wagtailsnippets_renewal_waitlistentry"


def _formatter(label, message):
    return type(f"{label}Formatter", (LogFormatter,), {"label": label, "format_message": lambda self, entry: message})


class OfferedLogFormatter(LogFormatter):
    label = "席の案内"

    def format_message(self, log_entry):
        how = "事務局が手動で" if log_entry.user_id else "空席が出たため"
        return f"{how}席を案内しました"


LOG_ACTIONS = {
    waiting_list.JOINED_ACTION: _formatter("キャンセル待ち登録", "キャンセル待ちに登録しました"),
    waiting_list.LEFT_ACTION: _formatter("キャンセル待ち取りやめ", "キャンセル待ちを取りやめました"),
    waiting_list.OFFERED_ACTION: OfferedLogFormatter,
    waiting_list.ACCEPTED_ACTION: _formatter("案内の承諾", "案内された席に申し込みました"),
    waiting_list.DECLINED_ACTION: _formatter("案内の辞退", "案内された席を辞退しました"),
    waiting_list.EXPIRED_ACTION: _formatter("案内の期限切れ", "回答期限が過ぎたため、案内を終了しました"),
    LAPSED_ACTION: _formatter(
        "未払いによる失効", "参加費が未払いのまま席の確保期間を過ぎたため、参加申込を取り消しました"
    ),
}

WAITLIST_POLICY = RestrictedPermissionPolicy(WaitlistEntry, ["change", "view"])
PERMISSION_POLICIES = {WaitlistEntry: WAITLIST_POLICY}


def _can_offer(user, entry):
    return entry.state == WaitlistEntry.State.WAITING and WAITLIST_POLICY.user_has_permission(user, "change")


def _place(entry):
    return f"{entry.place}番目" if entry.state == WaitlistEntry.State.WAITING else ""


def _session(entry):
    return f"{entry.session.seminar.title} {entry.session.title}"


class WaitlistFilterSet(SessionFilterSet):
    state = django_filters.ChoiceFilter(
        label="状態", choices=WaitlistEntry.State.choices, empty_label="すべて", widget=forms.Select
    )

    class Meta:
        model = WaitlistEntry
        fields = ["seminar", "session", "state"]


class WaitlistIndexView(ActionRowsIndexView):
    export_name = "waiting_list"
    urls = WAITLIST_URLS

    def row_actions(self, instance):
        if not _can_offer(self.request.user, instance):
            return []
        url = reverse(f"{WAITLIST_URLS}:offer", args=[instance.pk])
        return [MenuItem("席を案内する", url=url, icon_name="mail", priority=1)]


class WaitlistInspectView(ReadOnlyInspectView):
    history_url_name = f"{WAITLIST_URLS}:history"

    def get_object(self, queryset=None):
        return get_object_or_404(
            WaitlistEntry.objects.select_related("member", "session__seminar", "registration", "offered_by").annotate(
                place=waiting_list.place_in_line()
            ),
            pk=self.pk,
        )

    def header_actions(self):
        if _can_offer(self.request.user, self.object):
            url = reverse(f"{WAITLIST_URLS}:offer", args=[self.object.pk])
            return [HeaderButton("席を案内する", url=url, icon_name="mail")]
        return []

    def get_member_display_value(self):
        return member_link(self.object.member)

    def get_state_display_value(self):
        entry = self.object
        return f"{entry.get_state_display()}({_place(entry)})" if _place(entry) else entry.get_state_display()

    def get_joined_at_display_value(self):
        return datetime_display(self.object.joined_at)

    def get_offered_at_display_value(self):
        return datetime_display(self.object.offered_at) or "-"

    def get_offer_expires_at_display_value(self):
        return datetime_display(self.object.offer_expires_at) or "-"

    def get_decided_at_display_value(self):
        return datetime_display(self.object.decided_at) or "-"


class OfferSeatView(ActionFormView):
    model = WaitlistEntry
    header_icon = "mail"
    page_title = "席を案内する"
    form_class = EmptyForm
    submit_label = "席を案内する"
    index_url_name = f"{WAITLIST_URLS}:list"
    inspect_url_name = f"{WAITLIST_URLS}:inspect"

    def get_queryset(self):
        return WaitlistEntry.objects.select_related("member", "session__seminar").annotate(
            place=waiting_list.place_in_line()
        )

    @property
    def explanation(self):
        hours = waiting_list.waitlist_settings().waitlist_offer_hours
        return (
            f"空いている席をこの方に案内するメールを送ります。回答期限は{hours}時間後です。"
            "順番に関係なく案内できます(空席が出たときは自動で先頭の方に案内されます)。"
        )

    def summary(self):
        entry, session = self.object, self.object.session
        return [
            ("会員", member_label(entry.member)),
            ("学会・セミナー", session.seminar.title),
            ("セッション", f"{session.title}({date_display(session.date)}、定員 {session.capacity or 'なし'})"),
            ("状態", f"{entry.get_state_display()} {_place(entry)}"),
        ]

    def blocked_reason(self):
        return waiting_list.offer_refusal(self.object) or ""

    def perform(self, data):
        return waiting_list.offer_by_hand(entry_id=self.object.pk, user=self.request.user)

    def success_message(self, entry):
        return (
            f"{member_label(entry.member)}さんに席を案内しました(回答期限 {datetime_display(entry.offer_expires_at)})。"
        )


class WaitlistViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = WaitlistEntry
    icon = "group"
    menu_label = "キャンセル待ち"
    menu_name = "waiting_list"

    index_view_class = WaitlistIndexView
    inspect_view_class = WaitlistInspectView

    list_per_page = 50
    ordering = ["session", "joined_at"]
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("session", label="学会・セミナー / セッション", accessor=_session),
        Column("state", label="状態", accessor="get_state_display", sort_key="state", width="7em"),
        Column("place", label="順番", accessor=_place),
        Column("offer_expires_at", label="回答期限", accessor=lambda e: datetime_display(e.offer_expires_at)),
        Column("joined_at", label="登録日時", accessor=lambda e: datetime_display(e.joined_at), sort_key="joined_at"),
    ]
    filterset_class = WaitlistFilterSet
    search_fields = ["member__member_number"]
    search_backend_name = None

    list_export = [
        "member.member_number",
        "member.family_name",
        "member.given_name",
        "session.seminar.title",
        "session.pk",
        "session.title",
        "get_state_display",
        "place",
        "joined_at",
        "offered_at",
        "offer_expires_at",
    ]
    export_headings = {
        "member.member_number": "会員番号",
        "member.family_name": "氏名(姓)",
        "member.given_name": "氏名(名)",
        "session.seminar.title": "学会・セミナー名",
        "session.pk": "セッションID",
        "session.title": "セッション名",
        "get_state_display": "状態",
        "place": "順番",
        "joined_at": "登録日時",
        "offered_at": "案内日時",
        "offer_expires_at": "回答期限",
    }
    inspect_view_fields = [
        "member",
        "session",
        "state",
        "joined_at",
        "offered_at",
        "offer_expires_at",
        "offered_by",
        "decided_at",
        "registration",
    ]

    def get_queryset(self, request):
        return WaitlistEntry.objects.select_related("member", "session__seminar").annotate(
            place=waiting_list.place_in_line()
        )

    action_views = {"offer": OfferSeatView}


def offer_after_seminar_edit(request, seminar):
    """After the seminar form's save: seats freed by a raised capacity go to those waiting."""
    offers = waiting_list.offer_freed_seats(session_ids=list(seminar.sessions.values_list("pk", flat=True)))
    if offers:
        messages.success(request, f"空いた席をキャンセル待ちの{len(offers)}名に案内しました。")
