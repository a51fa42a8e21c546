"""参加申込 in the admin (the 「セミナー・受講歴」 group, registered in wagtail_hooks.py).

A read-only listing (filters seminar, session, state, attended, and the attendance import that
marked it attended, 取込番号, linked from the import's page; search by member), export, and
「参加済にする」 per row (a confirm page, ``MarkAttendedView``) or for the selected rows (a bulk
action, ``MarkAttendedBulkAction``). Both call renewal's one attendance service
(``renewal.attendance``), which marks, awards the credit once and writes the history entry
``renewal.registration.attended`` with who, when and how; its formatter is here.
"""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
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

from .. import attendance
from ..attendance_undo import ATTENDANCE_UNDONE_ACTION
from ..models import Registration
from .common import (
    REGISTRATION_URLS,
    SEMINAR_URLS,
    ActionRowsIndexView,
    EmptyForm,
    SessionFilterSet,
    import_job_link,
    member_label,
)

ATTENDED_VIA = {
    attendance.ADMIN: "参加申込の画面",
    attendance.BULK: "参加申込の一括操作",
    attendance.IMPORT: "出席者取込",
    attendance.DESK: "受付",
}


class AttendedLogFormatter(LogFormatter):
    label = "参加済"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        text = f"参加済にしました({ATTENDED_VIA.get(data.get('via'), data.get('via', ''))}"
        if data.get("import_job"):
            text += f" 取込 #{data['import_job']}"
        text += ")"
        if data.get("credit_created") is False:
            text += "。受講履歴は登録済みでした"
        return text


class AttendanceUndoneLogFormatter(LogFormatter):
    label = "参加済の取消"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        text = f"出席者取込 #{data.get('import_job', '')} の取消で未参加に戻しました"
        if data.get("format_restored"):
            text += f"(参加形態: {Registration.Format(data['format_restored']).label})"
        return text


LOG_ACTIONS = {attendance.ATTENDED_ACTION: AttendedLogFormatter, ATTENDANCE_UNDONE_ACTION: AttendanceUndoneLogFormatter}

REGISTRATION_POLICY = RestrictedPermissionPolicy(Registration, ["change", "view"])
PERMISSION_POLICIES = {Registration: REGISTRATION_POLICY}


def _can_mark(user, registration):
    return not attendance.attended_refusal(registration) and REGISTRATION_POLICY.user_has_permission(user, "change")


def _attended(registration):
    return f"参加済 {datetime_display(registration.attended_at)}" if registration.attended_at else ""


class RegistrationFilterSet(SessionFilterSet):
    state = django_filters.ChoiceFilter(
        label="状態", choices=Registration.State.choices, empty_label="すべて", widget=forms.Select
    )
    attended = django_filters.ChoiceFilter(
        label="参加済",
        choices=[("yes", "参加済"), ("no", "未参加")],
        empty_label="すべて",
        method="filter_attended",
        widget=forms.Select,
    )
    import_job = django_filters.NumberFilter(
        label="取込番号",
        field_name="attended_import_job",
        min_value=1,
        help_text="参加済にした出席者取込の番号(取込 #)。",
    )

    class Meta:
        model = Registration
        fields = ["seminar", "session", "state", "attended", "import_job"]

    def filter_attended(self, queryset, name, value):
        if value == "yes":
            return queryset.exclude(attended_at=None)
        if value == "no":
            return queryset.filter(attended_at=None)
        return queryset


class RegistrationIndexView(ActionRowsIndexView):
    """A listing without edit forms: rows open the inspect page; 参加済にする per row or in bulk."""

    export_name = "registrations"
    urls = REGISTRATION_URLS

    @cached_property
    def columns(self):
        # The checkboxes serve only 参加済にする: without the permission, no bulk selection.
        if REGISTRATION_POLICY.user_has_permission(self.request.user, "change"):
            return super().columns
        return [column for column in super().columns if not isinstance(column, BulkActionsCheckboxColumn)]

    def row_actions(self, instance):
        if not _can_mark(self.request.user, instance):
            return []
        url = reverse(f"{REGISTRATION_URLS}:attend", args=[instance.pk])
        return [MenuItem("参加済にする", url=url, icon_name="success", priority=1)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_mark_attended"] = REGISTRATION_POLICY.user_has_permission(self.request.user, "change")
        return context


class RegistrationInspectView(ReadOnlyInspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(
            Registration.objects.select_related("member", "session__seminar", "invoice"), pk=self.pk
        )

    def header_actions(self):
        if _can_mark(self.request.user, self.object):
            url = reverse(f"{REGISTRATION_URLS}:attend", args=[self.object.pk])
            return [HeaderButton("参加済にする", url=url, icon_name="success")]
        return []

    def get_member_display_value(self):
        member = self.object.member
        return member_link(member)

    def get_session_display_value(self):
        session = self.object.session
        return format_html(
            '<a href="{}">{}</a>(セッションID {}、{}点)',
            reverse(f"{SEMINAR_URLS}:inspect", args=[session.seminar_id]),
            session,
            session.pk,
            session.points,
        )

    def get_attended_at_display_value(self):
        return datetime_display(self.object.attended_at) or "未参加"

    def get_applied_at_display_value(self):
        return datetime_display(self.object.applied_at)

    def get_cancelled_at_display_value(self):
        return datetime_display(self.object.cancelled_at) or "-"

    def get_attended_import_job_display_value(self):
        return import_job_link(self.object.attended_import_job) or "-"


def registration_summary(registration):
    session = registration.session
    return [
        ("会員", member_label(registration.member)),
        ("学会・セミナー", session.seminar.title),
        ("セッション", f"{session.title}({session.points}点、{date_display(session.date)})"),
        ("参加形態", registration.get_participation_format_display()),
        ("状態", registration.get_state_display()),
    ]


class MarkAttendedView(ActionFormView):
    model = Registration
    header_icon = "success"
    page_title = "参加済にする"
    form_class = EmptyForm
    submit_label = "参加済にする"

    def get_queryset(self):
        return Registration.objects.select_related("member", "session__seminar")

    @property
    def explanation(self):
        session = self.object.session
        return (
            f"参加済にすると、会員の受講履歴に「{session.seminar.title} {session.title}」の{session.points}点"
            f"({session.credit_category})が加わります。"
        )

    def summary(self):
        return registration_summary(self.object)

    def blocked_reason(self):
        return attendance.attended_refusal(self.object)

    def perform(self, data):
        return attendance.mark_attended(registration_id=self.object.pk, user=self.request.user, via=attendance.ADMIN)

    def success_message(self, registration):
        return f"{member_label(registration.member)}さんを参加済にしました({registration.session})。"


class MarkAttendedBulkAction(SnippetBulkAction):
    """「参加済にする」 for the registrations selected in the listing."""

    display_name = "参加済にする"
    action_type = "mark_attended"
    aria_label = "選択した参加申込を参加済にする"
    template_name = "renewal/admin/bulk_mark_attended.html"
    action_priority = 10
    models = [Registration]

    def dispatch(self, request, *args, **kwargs):
        # Wagtail lists the chosen rows on this page: nobody without the permission sees it.
        if not REGISTRATION_POLICY.user_has_permission(request.user, "change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(
            Registration.objects.filter(pk__in=object_ids)
            .select_related("member", "session__seminar")
            .order_by("session__seminar__title", "member__member_number")
        )

    def check_perm(self, registration):
        return not attendance.attended_refusal(registration)

    def object_context(self, registration):
        return {"item": registration, "member": member_label(registration.member), "session": registration.session}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["header_icon"] = "success"
        return context

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        done = attendance.mark_attended_bulk(
            registration_ids=[registration.pk for registration in objects], user=user, via=attendance.BULK
        )
        return len(done.marked), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{num_parent_objects}件の参加申込を参加済にしました。"


def _registration_session(registration):
    return f"{registration.session.seminar.title} {registration.session.title}"


class RegistrationViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = Registration
    icon = "list-ul"
    menu_label = "参加申込"
    menu_name = "registrations"

    index_view_class = RegistrationIndexView
    index_template_name = "renewal/admin/registration_index.html"
    inspect_view_class = RegistrationInspectView

    list_per_page = 50
    ordering = "-applied_at"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("session", label="学会・セミナー / セッション", accessor=_registration_session),
        Column("format", label="参加形態", accessor="get_participation_format_display"),
        Column("state", label="状態", accessor="get_state_display", sort_key="state"),
        Column("attended_at", label="参加済", accessor=_attended, sort_key="attended_at"),
        Column(
            "applied_at", label="申込日時", accessor=lambda r: datetime_display(r.applied_at), sort_key="applied_at"
        ),
    ]
    filterset_class = RegistrationFilterSet
    search_fields = ["member__member_number"]
    search_backend_name = None

    list_export = [
        "member.member_number",
        "member.family_name",
        "member.given_name",
        "session.seminar.title",
        "session.pk",
        "session.title",
        "session.points",
        "get_participation_format_display",
        "get_state_display",
        "applied_at",
        "attended_at",
        "ticket_number",
    ]
    export_headings = {
        "member.member_number": "会員番号",
        "member.family_name": "氏名(姓)",
        "member.given_name": "氏名(名)",
        "session.seminar.title": "学会・セミナー名",
        "session.pk": "セッションID",
        "session.title": "セッション名",
        "session.points": "点数",
        "get_participation_format_display": "参加形態",
        "get_state_display": "状態",
        "applied_at": "申込日時",
        "attended_at": "参加確認日時",
        "ticket_number": "受講票番号",
    }

    inspect_view_fields = [
        "member",
        "session",
        "participation_format",
        "state",
        "applied_at",
        "cancelled_at",
        "attended_at",
        "attended_import_job",
        "ticket_number",
        "invoice",
    ]

    def get_queryset(self, request):
        return Registration.objects.select_related("member", "session__seminar")

    action_views = {
        "attend": MarkAttendedView,
    }
