"""The secretariat's screens for renewals (資格更新申請) and renewal extensions (更新延長).

- 資格更新申請: a read-only listing (filter by state, search by member) whose inspect page
  offers what may be done now: 申請確認完了 (approve: bills the renewal fee) or 差戻し while
  事務局確認中, and 会員証発行 once the fee is paid.
- 更新延長措置: declared and edited by the staff (who is covered, until when, how long).
- 更新延長申請: 承認 (moves the expiry on) or 差戻し.

Every action is a small confirm form calling ``renewal.renewals`` (which logs it).
"""

import django_filters
from django import forms
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin_kit import (
    ActionFormView,
    InspectInsteadOfEditView,
    NoChooserMixin,
    NoteForm,
    NoteLogFormatter,
    ReadOnlyHistoryView,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    RequiredNoteForm,
    RestrictedPermissionPolicy,
    date_display,
    datetime_display,
)
from membership.admin_sections import member_link

from . import extensions, renewals
from .models import ExtensionApplication, ExtensionProgramme, RenewalApplication, RenewalSettings

RENEWAL_URLS = "wagtailsnippets_renewal_renewalapplication"
EXTENSION_URLS = "wagtailsnippets_renewal_extensionapplication"
PERMISSION_POLICIES = {
    RenewalApplication: RestrictedPermissionPolicy(RenewalApplication, ["change", "view"]),
    ExtensionApplication: RestrictedPermissionPolicy(ExtensionApplication, ["change", "view"]),
    ExtensionProgramme: RestrictedPermissionPolicy(ExtensionProgramme, ["add", "change", "view"]),
}


def _can_decide(user, model):
    return PERMISSION_POLICIES[model].user_has_permission(user, "change")


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


class ExtensionApprovedLogFormatter(NoteLogFormatter):
    label = "承認"
    message = "承認しました"


class ExtensionRejectedLogFormatter(NoteLogFormatter):
    label = "差戻し"
    message = "差戻ししました"


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
    extensions.EXTENSION_APPROVED_ACTION: ExtensionApprovedLogFormatter,
    extensions.EXTENSION_REJECTED_ACTION: ExtensionRejectedLogFormatter,
    renewals.EXPIRY_CHANGED_ACTION: ExpiryChangedLogFormatter,
}


# --- renewal applications ----------------------------------------------------------------------


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
    if not _can_decide(user, RenewalApplication):
        return []
    State = RenewalApplication.State
    if application.state == State.SUBMITTED:
        return [
            HeaderButton("申請確認完了", url=reverse(f"{RENEWAL_URLS}:approve", args=[application.pk]), icon_name="success", priority=10),
            HeaderButton("差戻し", url=reverse(f"{RENEWAL_URLS}:reject", args=[application.pk]), icon_name="undo", priority=20),
        ]  # fmt: skip
    invoice = application.invoice
    if application.state != State.APPROVED:
        return []
    if invoice is not None and invoice.status in ("paid", "exempt"):
        return [HeaderButton("会員証発行", url=reverse(f"{RENEWAL_URLS}:issue", args=[application.pk]), icon_name="success", priority=10)]  # fmt: skip
    # Not paid: the way out when the expiry or status changed, or the fee invoice was cancelled.
    return [HeaderButton("差戻し", url=reverse(f"{RENEWAL_URLS}:reject", args=[application.pk]), icon_name="undo", priority=20)]  # fmt: skip


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


class EmptyForm(forms.Form):
    pass


class RenewalActionView(ActionFormView):
    model = RenewalApplication
    header_icon = "tasks"
    refusals = (renewals.RenewalError,)
    allowed_state = RenewalApplication.State.SUBMITTED

    def get_queryset(self):
        return RenewalApplication.objects.select_related("member", "invoice")

    def summary(self):
        return renewal_summary(self.object)

    def blocked_reason(self):
        if self.object.state != self.allowed_state:
            return f"この申請は{renewal_progress(self.object)}です。{self.page_title}はできません。"
        return ""

    def form_valid(self, form):
        # The services log the decision themselves; ActionFormView's own log entry is not wanted.
        try:
            application = self.perform(form.cleaned_data)
        except self.refusals as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(application))
        return redirect(self.inspect_url)


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

    def blocked_reason(self):
        application = self.object
        State = RenewalApplication.State
        invoice = application.invoice
        if application.state == State.SUBMITTED:
            return ""
        if application.state == State.APPROVED and (invoice is None or invoice.status not in ("paid", "exempt")):
            return ""
        if application.state == State.APPROVED:
            return "更新料の入金(免除)が済んでいるため差戻しできません。会員証を発行してください。"
        return f"この申請は{renewal_progress(application)}です。差戻しはできません。"

    def perform(self, data):
        return renewals.reject_renewal(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を差戻しました。"


class IssueCardView(RenewalActionView):
    form_class = EmptyForm
    page_title = "会員証発行"
    submit_label = "会員証を発行する"
    allowed_state = RenewalApplication.State.APPROVED

    @property
    def explanation(self):
        return (
            f"会員の認定有効期限を{date_display(self.object.expires_on, '-')}から{date_display(self.object.new_expires_on, '-')}に更新し、"
            "会員証発行済とします。会員にメールで知らせます。"
        )

    def blocked_reason(self):
        reason = super().blocked_reason()
        invoice = self.object.invoice
        if not reason and (invoice is None or invoice.status not in ("paid", "exempt")):
            reason = "更新料の入金が確認できていないため、会員証を発行できません。"
        return reason

    def perform(self, data):
        return renewals.issue_card(application_id=self.object.pk, user=self.request.user)

    def success_message(self, application):
        return f"{application}の会員証を発行しました。"


class RenewalViewSet(NoChooserMixin, SnippetViewSet):
    model = RenewalApplication
    icon = "tasks"
    menu_label = "資格更新申請"
    menu_name = "renewal_applications"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = RenewalIndexView
    index_template_name = "core/admin/readonly_index.html"
    inspect_view_class = RenewalInspectView
    edit_view_class = InspectInsteadOfEditView
    history_view_class = ReadOnlyHistoryView

    list_per_page = 50
    ordering = "-submitted_at"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("expires_on", label="現在の有効期限", accessor=lambda a: date_display(a.expires_on, '-'), sort_key="expires_on"),
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
        "expires_on": "現在の有効期限",
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

    @property
    def edit_view(self):
        return self.construct_view(self.edit_view_class)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("approve/<int:pk>/", self.construct_view(ApproveRenewalView), name="approve"),
            path("reject/<int:pk>/", self.construct_view(RejectRenewalView), name="reject"),
            path("issue/<int:pk>/", self.construct_view(IssueCardView), name="issue"),
        ]


# --- extensions --------------------------------------------------------------------------------


class ExtensionProgrammeViewSet(NoChooserMixin, SnippetViewSet):
    model = ExtensionProgramme
    icon = "date"
    menu_label = "更新延長措置"
    menu_name = "extension_programmes"
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "name",
        Column(
            "applications_close_on", label="申請締切日", accessor=lambda p: date_display(p.applications_close_on, "-")
        ),
        Column("extension_months", label="延長(月)"),
        Column("active", label="受付中", accessor=lambda p: "はい" if p.active else "いいえ"),
    ]
    search_fields = ["name"]
    search_backend_name = None


class ExtensionIndexView(ReadOnlyIndexView):
    export_name = "extensions"
    title_label = "会員番号"


def extension_buttons(user, application):
    if application.state != ExtensionApplication.State.SUBMITTED or not _can_decide(user, ExtensionApplication):
        return []
    return [
        HeaderButton("承認", url=reverse(f"{EXTENSION_URLS}:approve", args=[application.pk]), icon_name="success", priority=10),
        HeaderButton("差戻し", url=reverse(f"{EXTENSION_URLS}:reject", args=[application.pk]), icon_name="undo", priority=20),
    ]  # fmt: skip


class ExtensionInspectView(ReadOnlyInspectView):
    def header_actions(self):
        return extension_buttons(self.request.user, self.object)

    def get_member_display_value(self):
        return member_link(self.object.member)


class ExtensionActionView(RenewalActionView):
    model = ExtensionApplication
    allowed_state = ExtensionApplication.State.SUBMITTED

    def get_queryset(self):
        return ExtensionApplication.objects.select_related("member", "programme")

    def summary(self):
        application = self.object
        return [
            ("会員", f"{application.member.member_number} {application.member.full_name}"),
            ("更新延長措置", application.programme.name),
            ("申請時の有効期限", date_display(application.expires_on, '-')),
            ("延長後の有効期限", date_display(extensions.extended_expiry(application), '-')),
            ("申請理由", application.reason),
        ]  # fmt: skip

    def blocked_reason(self):
        if self.object.state != self.allowed_state:
            return f"この申請は{self.object.get_state_display()}です。{self.page_title}はできません。"
        return ""


class ApproveExtensionView(ExtensionActionView):
    form_class = NoteForm
    page_title = "承認"
    submit_label = "承認する"
    explanation = "承認すると、会員の認定有効期限を延長し、会員にメールで知らせます。"

    def perform(self, data):
        return extensions.approve_extension(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を承認しました。"


class RejectExtensionView(ExtensionActionView):
    form_class = RequiredNoteForm
    page_title = "差戻し"
    submit_label = "差戻す"
    submit_class = "no"

    def perform(self, data):
        return extensions.reject_extension(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を差戻しました。"


class ExtensionApplicationViewSet(NoChooserMixin, SnippetViewSet):
    model = ExtensionApplication
    icon = "date"
    menu_label = "更新延長申請"
    menu_name = "extension_applications"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = ExtensionIndexView
    index_template_name = "core/admin/readonly_index.html"
    inspect_view_class = ExtensionInspectView
    edit_view_class = InspectInsteadOfEditView
    history_view_class = ReadOnlyHistoryView
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name"),
        Column("programme", label="更新延長措置", accessor="programme.name"),
        Column("state", label="状態", accessor="get_state_display", sort_key="state"),
        Column("submitted_at", label="申請日時", accessor=lambda a: datetime_display(a.submitted_at, '-'), sort_key="submitted_at"),
    ]  # fmt: skip
    list_filter = ["state", "programme"]
    search_fields = ["member__member_number", "member__family_name", "member__given_name"]
    search_backend_name = None
    inspect_view_fields = [
        "member",
        "programme",
        "state",
        "reason",
        "expires_on",
        "submitted_at",
        "decided_at",
        "decision_note",
    ]

    def get_queryset(self, request):
        return ExtensionApplication.objects.select_related("member", "programme")

    @property
    def edit_view(self):
        return self.construct_view(self.edit_view_class)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("approve/<int:pk>/", self.construct_view(ApproveExtensionView), name="approve"),
            path("reject/<int:pk>/", self.construct_view(RejectExtensionView), name="reject"),
        ]


class RenewalViewSetGroup(SnippetViewSetGroup):
    """資格更新: 資格更新申請, 更新延長措置, 更新延長申請."""

    items = (RenewalViewSet, ExtensionProgrammeViewSet, ExtensionApplicationViewSet)
    menu_label = "資格更新"
    menu_icon = "tasks"
    menu_name = "renewal"
    menu_order = 140


class RenewalWorkPanel(Component):
    """The admin dashboard's 資格更新 panel: what waits for the secretariat."""

    name = "renewal_work"
    template_name = "renewal/admin/renewal_panel.html"
    order = 70

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        State = RenewalApplication.State
        counts = RenewalApplication.objects.aggregate(
            submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
            to_issue=Count("pk", filter=Q(state=State.APPROVED, invoice__status__in=["paid", "exempt"])),
            awaiting_fee=Count("pk", filter=Q(state=State.APPROVED, invoice__status="unpaid")),
        )
        extensions = ExtensionApplication.objects.filter(state=ExtensionApplication.State.SUBMITTED).count()
        renewals_url = reverse(f"{RENEWAL_URLS}:list")
        context["rows"] = [
            ("資格更新申請(事務局確認中)", counts["submitted"], f"{renewals_url}?state={State.SUBMITTED}"),
            ("入金確認済(会員証発行待ち)", counts["to_issue"], f"{renewals_url}?state={State.APPROVED}&fee_paid=true"),
            ("更新料 未納", counts["awaiting_fee"], f"{renewals_url}?state={State.APPROVED}&fee_paid=false"),
            ("更新延長申請(事務局確認中)", extensions, f"{reverse(f'{EXTENSION_URLS}:list')}?state=submitted"),
        ]
        return context
