"""資格更新申請 in the admin (the 「資格更新」 group, registered in wagtail_hooks.py).

A read-only listing (filter by state and fee paid, search by member) whose inspect page offers
what may be done now: 申請確認完了 (approve: bills the renewal fee) or 差戻し while 事務局確認中,
差戻し while approved and the fee unpaid, and 会員証発行 once the fee is paid. Every action is a
small confirm form calling one service of ``renewal.renewals`` (which logs the decision); the
formatters of those history entries, and of the expiry change on the member, are here.
"""

import django_filters
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import (
    ActionOnlyViewSetMixin,
    NoteForm,
    NoteLogFormatter,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    RequiredNoteForm,
    RestrictedPermissionPolicy,
    WorkflowActionView,
    date_display,
    datetime_display,
)
from membership.admin_sections import member_link

from .. import renewals
from ..models import RenewalApplication, RenewalSettings
from .common import RENEWAL_URLS, EmptyForm

PERMISSION_POLICIES = {RenewalApplication: RestrictedPermissionPolicy(RenewalApplication, ["change", "view"])}


class RenewalApprovedLogFormatter(NoteLogFormatter):
    label = "申請確認完了"
    message = "申請確認完了にしました"


class RenewalRejectedLogFormatter(NoteLogFormatter):
    label = "差戻し"
    message = "差戻ししました"


class RenewalCancelledLogFormatter(LogFormatter):
    label = "取下げ"
    message = "会員が申請を取り下げました"


class CardIssuedLogFormatter(LogFormatter):
    label = "会員証発行"

    def format_message(self, log_entry):
        return f"会員証を発行しました(新しい有効期限 {(log_entry.data or {}).get('expires_on')})"


class ExpiryChangedLogFormatter(LogFormatter):
    label = "認定有効期限の変更"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return f"{data.get('reason')}: 認定有効期限を{data.get('from') or '(なし)'}から{data.get('to')}に変更しました"


LOG_ACTIONS = {
    renewals.RENEWAL_APPROVED_ACTION: RenewalApprovedLogFormatter,
    renewals.RENEWAL_REJECTED_ACTION: RenewalRejectedLogFormatter,
    renewals.RENEWAL_CANCELLED_ACTION: RenewalCancelledLogFormatter,
    renewals.CARD_ISSUED_ACTION: CardIssuedLogFormatter,
    renewals.EXPIRY_CHANGED_ACTION: ExpiryChangedLogFormatter,
}


def _can_decide(user):
    return PERMISSION_POLICIES[RenewalApplication].user_has_permission(user, "change")


def renewal_progress(application):
    """Where a renewal stands, in the words of guide 7."""
    invoice = application.invoice
    if application.state != RenewalApplication.State.APPROVED or invoice is None:
        return application.get_state_display()
    if invoice.status in ("paid", "exempt"):
        return "入金確認済(会員証発行処理中)"
    return "申請確認完了(更新料 未納)"


class RenewalFilterSet(WagtailFilterSet):
    state = django_filters.MultipleChoiceFilter(
        label="状態", choices=RenewalApplication.State.choices, widget=forms.CheckboxSelectMultiple
    )
    fee_paid = django_filters.BooleanFilter(
        label="更新料 入金済",
        method="filter_fee_paid",
        widget=forms.Select(choices=[("", "すべて"), ("true", "はい"), ("false", "いいえ")]),
    )

    class Meta:
        model = RenewalApplication
        fields = ["state"]

    def filter_fee_paid(self, queryset, name, value):
        if value is None:
            return queryset
        paid = queryset.filter(invoice__status__in=["paid", "exempt"])
        return paid if value else queryset.exclude(pk__in=paid.values("pk"))


class RenewalIndexView(ReadOnlyIndexView):
    export_name = "renewals"
    title_label = "会員番号"


def renewal_buttons(user, application):
    """The decisions open now: the transitions of ``renewals.RENEWAL`` the state allows, 会員証発行
    once the fee is paid, 差戻し until then (also the way out of an approved application when the
    expiry or status changed, or the fee invoice was cancelled)."""
    if not _can_decide(user):
        return []
    allowed = renewals.RENEWAL.allowed
    paid = renewals.fee_paid(application)

    def button(label, url_name, icon, priority):
        url = reverse(f"{RENEWAL_URLS}:{url_name}", args=[application.pk])
        return HeaderButton(label, url=url, icon_name=icon, priority=priority)

    buttons = []
    if allowed(application, "approve"):
        buttons.append(button("申請確認完了", "approve", "success", 10))
    if allowed(application, "issue_card") and paid:
        buttons.append(button("会員証発行", "issue", "success", 10))
    if allowed(application, "reject") and not paid:
        buttons.append(button("差戻し", "reject", "undo", 20))
    return buttons


class RenewalInspectView(ReadOnlyInspectView):
    def header_actions(self):
        return renewal_buttons(self.request.user, self.object)

    def get_member_display_value(self):
        return member_link(self.object.member)

    def get_state_display_value(self):
        return renewal_progress(self.object)

    def get_invoice_display_value(self):
        invoice = self.object.invoice
        if invoice is None:
            return "-"
        return format_html(
            '<a href="{}">{}円 {}</a>',
            reverse("wagtailsnippets_membership_invoice:inspect", args=[invoice.pk]),
            f"{invoice.amount:,}",
            invoice.get_status_display(),
        )


def renewal_summary(application):
    member = application.member
    return [
        ("会員", f"{member.member_number} {member.full_name}({member.get_status_display()})"),
        ("申請日時", datetime_display(application.submitted_at, "-")),
        ("現在の有効期限", date_display(application.expires_on, "-")),
        ("更新後の有効期限", date_display(application.new_expires_on, "-")),
        ("申請時の総得点", f"{application.points_at_application}点"),
        ("状態", renewal_progress(application)),
    ]


class RenewalActionView(WorkflowActionView):
    model = RenewalApplication
    header_icon = "tasks"
    refusals = (renewals.RenewalError,)
    transition = "approve"  # of renewals.RENEWAL

    def get_queryset(self):
        return RenewalApplication.objects.select_related("member", "invoice")

    def summary(self):
        return renewal_summary(self.object)

    workflow = renewals.RENEWAL

    def state_label(self):
        return renewal_progress(self.object)


class ApproveRenewalView(RenewalActionView):
    form_class = NoteForm
    page_title = "申請確認完了"
    submit_label = "申請確認完了にする"

    @property
    def explanation(self):
        fee = RenewalSettings.load().renewal_fee
        return f"更新料 {fee:,}円 を請求し、会員にお支払いのご案内をメールで送ります。"

    def perform(self, data):
        return renewals.approve_renewal(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を申請確認完了にしました(更新料を請求しました)。"


class RejectRenewalView(RenewalActionView):
    form_class = RequiredNoteForm
    page_title = "差戻し"
    submit_label = "差戻す"
    submit_class = "no"
    explanation = (
        "差戻すと更新料は請求されず(未納の更新料の請求は取消になります)、会員に理由を記したメールが送られます。"
        "会員はあらためて申請できます。"
    )

    transition = "reject"

    def blocked_reason(self):
        reason = super().blocked_reason()
        if not reason and renewals.fee_paid(self.object):
            reason = "更新料の入金(免除)が済んでいるため差戻しできません。会員証を発行してください。"
        return reason

    def perform(self, data):
        return renewals.reject_renewal(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を差戻しました。"


class IssueCardView(RenewalActionView):
    form_class = EmptyForm
    page_title = "会員証発行"
    submit_label = "会員証を発行する"
    transition = "issue_card"

    @property
    def explanation(self):
        return (
            f"会員の認定有効期限を{date_display(self.object.expires_on, '-')}から{date_display(self.object.new_expires_on, '-')}に更新し、"
            "会員証発行済とします。会員にメールで知らせます。"
        )

    def blocked_reason(self):
        reason = super().blocked_reason()
        if not reason and not renewals.fee_paid(self.object):
            reason = "更新料の入金が確認できていないため、会員証を発行できません。"
        return reason

    def perform(self, data):
        return renewals.issue_card(application_id=self.object.pk, user=self.request.user)

    def success_message(self, application):
        return f"{application}の会員証を発行しました。"


class RenewalViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = RenewalApplication
    icon = "tasks"
    menu_label = "資格更新申請"
    menu_name = "renewal_applications"

    index_view_class = RenewalIndexView
    inspect_view_class = RenewalInspectView

    list_per_page = 50
    ordering = "-submitted_at"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("expires_on", label="申請時の有効期限", accessor=lambda a: date_display(a.expires_on, '-'), sort_key="expires_on"),
        Column("points", label="総得点", accessor="points_at_application", sort_key="points_at_application"),
        Column("state", label="状態", accessor=renewal_progress, sort_key="state"),
        Column("submitted_at", label="申請日時", accessor=lambda a: datetime_display(a.submitted_at, '-'), sort_key="submitted_at"),
    ]  # fmt: skip
    filterset_class = RenewalFilterSet
    search_fields = ["member__member_number", "member__family_name", "member__given_name", "member__family_name_kana"]
    search_backend_name = None
    list_export = [
        "member.member_number",
        "member.family_name",
        "member.given_name",
        "expires_on",
        "new_expires_on",
        "points_at_application",
        "get_state_display",
        "submitted_at",
        "decided_at",
        "issued_at",
        "decision_note",
    ]
    export_headings = {
        "member.member_number": "会員番号",
        "member.family_name": "氏名(姓)",
        "member.given_name": "氏名(名)",
        "expires_on": "申請時の有効期限",
        "new_expires_on": "更新後の有効期限",
        "points_at_application": "申請時の総得点",
        "get_state_display": "状態",
        "submitted_at": "申請日時",
        "decided_at": "確認日時",
        "issued_at": "会員証発行日時",
        "decision_note": "事務局からの連絡",
    }
    inspect_view_fields = [
        "member",
        "state",
        "expires_on",
        "new_expires_on",
        "points_at_application",
        "invoice",
        "submitted_at",
        "decided_at",
        "decision_note",
        "issued_at",
    ]

    def get_queryset(self, request):
        return RenewalApplication.objects.select_related("member", "invoice")

    action_views = {
        "approve": ApproveRenewalView,
        "reject": RejectRenewalView,
        "issue": IssueCardView,
    }
