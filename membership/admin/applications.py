"""The staff's screens for members' applications (各種申請) in the Wagtail admin.

A read-only listing (filter by kind and state, search by member) whose rows open an inspect
page with 承認, 差戻し and 承認取消: small confirm forms, each calling one service of
``membership.applications`` (which logs the decision with who and when). Applications are
never edited or deleted here. Registered in ``membership/wagtail_hooks.py``.
"""

import django_filters
from django import forms
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import (
    ActionOnlyViewSetMixin,
    NoteLogFormatter,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    RestrictedPermissionPolicy,
    date_display,
    datetime_display,
)

from .. import applications
from ..admin_sections import Link, MemberSection, member_link, member_section
from ..models import MembershipApplication
from .application_decisions import ApproveApplicationView, RejectApplicationView, RevokeApprovalView

APPLICATION_URLS = "wagtailsnippets_membership_membershipapplication"
PERMISSION_POLICY = RestrictedPermissionPolicy(MembershipApplication, ["change", "view"])
State = MembershipApplication.State


class ApplicationApprovedLogFormatter(NoteLogFormatter):
    label = "承認"
    message = "承認しました"


class ApplicationRejectedLogFormatter(NoteLogFormatter):
    label = "差戻し"
    message = "差戻ししました"


class ApplicationRevokedLogFormatter(NoteLogFormatter):
    label = "承認取消"
    message = "承認取消しました"


class ApplicationCancelledLogFormatter(LogFormatter):
    label = "取下げ"

    def format_message(self, log_entry):
        return "会員が取り下げました"


class StatusFromApplicationLogFormatter(LogFormatter):
    label = "申請による会員ステータスの変更"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return (
            f"{data.get('kind')}(承認済)により会員ステータスを{data.get('from')}から{data.get('to')}に"
            f"変更しました({data.get('since')}から)"
        )


LOG_ACTIONS = {
    applications.APPROVED_ACTION: ApplicationApprovedLogFormatter,
    applications.REJECTED_ACTION: ApplicationRejectedLogFormatter,
    applications.REVOKED_ACTION: ApplicationRevokedLogFormatter,
    applications.CANCELLED_ACTION: ApplicationCancelledLogFormatter,
    applications.STATUS_APPLIED_ACTION: StatusFromApplicationLogFormatter,
}


def _state(application):
    label = application.get_state_display()
    if application.state == MembershipApplication.State.APPROVED:
        label += "(反映済)" if application.applied_at else "(反映待ち)"
    return label


class ApplicationFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(
        label="申請種別", choices=MembershipApplication.Kind.choices, empty_label="すべて", widget=forms.Select
    )
    state = django_filters.MultipleChoiceFilter(
        label="状態", choices=MembershipApplication.State.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = MembershipApplication
        fields = ["kind", "state"]


class ApplicationIndexView(ReadOnlyIndexView):
    export_name = "applications"
    title_label = "会員番号"


def decision_buttons(user, application):
    if not PERMISSION_POLICY.user_has_permission(user, "change"):
        return []
    if applications.WORKFLOW.allowed(application, "revoke") and application.applied_at is None:
        return [
            HeaderButton(
                "承認取消",
                url=reverse(f"{APPLICATION_URLS}:revoke", args=[application.pk]),
                icon_name="undo",
                priority=10,
            )
        ]
    if not applications.WORKFLOW.allowed(application, "approve"):
        return []
    return [
        HeaderButton(
            "承認", url=reverse(f"{APPLICATION_URLS}:approve", args=[application.pk]), icon_name="success", priority=10
        ),
        HeaderButton(
            "差戻し", url=reverse(f"{APPLICATION_URLS}:reject", args=[application.pk]), icon_name="undo", priority=20
        ),
    ]


class ApplicationInspectView(ReadOnlyInspectView):
    def header_actions(self):
        return decision_buttons(self.request.user, self.object)

    def get_member_display_value(self):
        member = self.object.member
        return format_html("{}({})", member_link(member), member.get_status_display())

    def get_state_display_value(self):
        return _state(self.object)

    def get_effective_on_display_value(self):
        return f"{self.object.effective_on_label} {date_display(self.object.effective_on, '-')}"


class ApplicationViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = MembershipApplication
    icon = "form"
    menu_label = "各種申請"
    menu_name = "applications"
    menu_order = 210
    add_to_admin_menu = True

    index_view_class = ApplicationIndexView
    inspect_view_class = ApplicationInspectView

    list_per_page = 50
    ordering = "-submitted_at"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("kind", label="申請種別", accessor="get_kind_display", sort_key="kind"),
        Column("effective_on", label="希望日", accessor=lambda a: date_display(a.effective_on, "-"), sort_key="effective_on"),
        Column("state", label="状態", accessor=_state, sort_key="state"),
        Column("submitted_at", label="申請日時", accessor=lambda a: datetime_display(a.submitted_at, "-"), sort_key="submitted_at"),
    ]  # fmt: skip
    filterset_class = ApplicationFilterSet
    search_fields = [
        "member__member_number",
        "member__family_name",
        "member__given_name",
        "member__family_name_kana",
        "member__given_name_kana",
    ]
    search_backend_name = None

    list_export = [
        "member.member_number",
        "member.family_name",
        "member.given_name",
        "get_kind_display",
        "effective_on",
        "leave_until",
        "get_leave_reason_display",
        "reason",
        "get_state_display",
        "submitted_at",
        "decided_at",
        "decision_note",
        "applied_at",
    ]
    export_headings = {
        "member.member_number": "会員番号",
        "member.family_name": "氏名(姓)",
        "member.given_name": "氏名(名)",
        "get_kind_display": "申請種別",
        "effective_on": "希望日",
        "leave_until": "休会終了予定日",
        "get_leave_reason_display": "休会理由",
        "reason": "理由・連絡事項",
        "get_state_display": "状態",
        "submitted_at": "申請日時",
        "decided_at": "判断日時",
        "decision_note": "事務局からの連絡",
        "applied_at": "ステータス反映日時",
    }

    inspect_view_fields = [
        "member",
        "kind",
        "state",
        "effective_on",
        "leave_until",
        "leave_reason",
        "reason",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_note",
        "applied_at",
    ]

    def get_queryset(self, request):
        return MembershipApplication.objects.select_related("member")

    action_views = {
        "approve": ApproveApplicationView,
        "reject": RejectApplicationView,
        "revoke": RevokeApprovalView,
    }


class PendingApplicationsPanel(Component):
    """The admin dashboard's 各種申請 panel: how many applications wait for a decision."""

    name = "pending_applications"
    template_name = "membership/admin/applications_panel.html"
    order = 60

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        counts = dict(
            MembershipApplication.objects.filter(state=State.SUBMITTED)
            .values_list("kind")
            .annotate(count=Count("pk"))
            .order_by()
        )
        list_url = reverse(f"{APPLICATION_URLS}:list")
        context["rows"] = [
            (label, counts.get(kind, 0), f"{list_url}?{urlencode({'kind': kind, 'state': State.SUBMITTED})}")
            for kind, label in MembershipApplication.Kind.choices
        ]
        return context


@member_section
def applications_section(member, user):
    if not PERMISSION_POLICY.user_has_permission(user, "view"):
        return None
    applications = list(member.applications.order_by("-submitted_at")[:5])
    return MemberSection(
        heading="各種申請(休会・休会復帰・退会)",
        columns=["申請日時", "申請種別", "希望日", "状態"],
        rows=[
            [
                Link(datetime_display(a.submitted_at, "-"), reverse(f"{APPLICATION_URLS}:inspect", args=[a.pk])),
                a.get_kind_display(),
                date_display(a.effective_on, "-"),
                _state(a),
            ]
            for a in applications
        ],
        more_url=f"{reverse(f'{APPLICATION_URLS}:list')}?{urlencode({'q': member.member_number})}",
        order=20,
    )
