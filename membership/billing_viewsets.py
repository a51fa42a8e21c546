"""The staff's money screens in the Wagtail admin: the 会費・入金 menu group.

Registered in wagtail_hooks.py (DESIGN.md 8). Money rows are never edited through a model
form here: the listings are read-only and every change goes through one service of
``membership.billing`` from a small form page, and is logged with Wagtail's ``log()`` so that
it shows in the object's history.

- ``InvoiceViewSet`` (請求): listing with filters, search and CSV/XLSX export; an inspect page
  with the actions 入金を記録 / 免除 / 取消 (``billing.record_manual_payment`` /
  ``billing.close_invoice``); a hand-made invoice for one-off fees (``billing.create_invoice``).
- ``PaymentViewSet`` (決済) and ``GatewayNotificationViewSet`` (決済通知): read-only listings;
  a flagged (要確認) notification can be marked 確認済 (``billing.resolve_notification``).
- ``DuesRuleViewSet`` (会費設定): the dues per fiscal year and member status, edited as data.

The dues generation and reminder screens and the dashboard panel are in
billing_admin_views.py.
"""

import uuid

import django_filters
from django import forms
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter, log
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core import admin_kit
from core.admin_kit import (
    InspectInsteadOfEditView,
    NoChooserMixin,
    ReadOnlyHistoryView,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    RestrictedPermissionPolicy,
    date_display,
    datetime_display,
)
from core.dates import current_fiscal_year

from . import billing
from .accounts import normalize_login_id
from .admin_sections import Link, MemberSection, member_link, member_section
from .models import DuesRule, GatewayNotification, Invoice, Member, Payment
from .search import MemberSearchMixin

MEMBER_URLS = "wagtailsnippets_membership_member"
INVOICE_URLS = "wagtailsnippets_membership_invoice"
PAYMENT_URLS = "wagtailsnippets_membership_payment"
NOTIFICATION_URLS = "wagtailsnippets_membership_gatewaynotification"
DUES_RULE_URLS = "wagtailsnippets_membership_duesrule"

# The money menu's own screens (billing_admin_views.py) join the group through this hook.
MONEY_MENU_HOOK = "register_money_menu_item"

# --- history: the log actions ------------------------------------------------------------------

INVOICE_PAID_ACTION = "membership.invoice.paid_manually"
INVOICE_EXEMPTED_ACTION = "membership.invoice.exempted"
INVOICE_CANCELLED_ACTION = "membership.invoice.cancelled"
INVOICE_REMINDED_ACTION = billing.REMINDER_LOG_ACTION
INVOICE_CREATED_ACTION = "membership.invoice.created_manually"
DUES_GENERATED_ACTION = "membership.dues.generated"
NOTIFICATION_RESOLVED_ACTION = "membership.notification.resolved"

MANUAL_CHANNELS = [Invoice.Channel.COUNTER, Invoice.Channel.TRANSFER, Invoice.Channel.YUCHO]


def _yen(value):
    return "" if value is None else f"{value:,}円"


def _channel_label(value):
    return str(dict(Invoice.Channel.choices).get(value, value or ""))


class InvoicePaidLogFormatter(LogFormatter):
    label = "入金の記録"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        parts = [
            _channel_label(data.get("channel")),
            (data.get("paid_on") or "").replace("-", "/"),
            _yen(data.get("amount")),
        ]
        if data.get("receipt_number"):
            parts.append(f"領収書番号 {data['receipt_number']}")
        if data.get("note"):
            parts.append(f"備考「{data['note']}」")
        return "入金を記録しました: " + " ".join(part for part in parts if part)


class InvoiceClosedLogFormatter(LogFormatter):
    verb = ""

    def format_message(self, log_entry):
        return f"{self.verb}にしました: 理由「{(log_entry.data or {}).get('reason', '')}」"


class InvoiceExemptedLogFormatter(InvoiceClosedLogFormatter):
    label = "免除"
    verb = "免除"


class InvoiceCancelledLogFormatter(InvoiceClosedLogFormatter):
    label = "取消"
    verb = "取消"


class InvoiceRemindedLogFormatter(LogFormatter):
    label = "督促メール"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        years = "・".join(f"{year}年度" for year in data.get("fiscal_years") or [])
        return f"督促メールを送りました({data.get('to', '')} / 未納 {years})"


class InvoiceCreatedLogFormatter(LogFormatter):
    label = "請求の手入力"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        category = dict(Invoice.Category.choices).get(data.get("category"), data.get("category", ""))
        return f"請求を作成しました: {data.get('fiscal_year', '')}年度 {category} {_yen(data.get('amount'))}"


class DuesGeneratedLogFormatter(LogFormatter):
    label = "会費の一括請求"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return (
            f"{data.get('fiscal_year', '')}年度の会費を一括請求しました: "
            f"この設定で {data.get('billed', 0):,}件 / 全体で {data.get('created', 0):,}件作成"
            f"(合計 {_yen(data.get('total_yen', 0))})"
        )


class NotificationResolvedLogFormatter(LogFormatter):
    label = "決済通知の確認"

    def format_message(self, log_entry):
        note = (log_entry.data or {}).get("note")
        return "確認済にしました" + (f": 「{note}」" if note else "")


LOG_ACTIONS = {
    INVOICE_PAID_ACTION: InvoicePaidLogFormatter,
    INVOICE_EXEMPTED_ACTION: InvoiceExemptedLogFormatter,
    INVOICE_CANCELLED_ACTION: InvoiceCancelledLogFormatter,
    INVOICE_REMINDED_ACTION: InvoiceRemindedLogFormatter,
    INVOICE_CREATED_ACTION: InvoiceCreatedLogFormatter,
    DUES_GENERATED_ACTION: DuesGeneratedLogFormatter,
    NOTIFICATION_RESOLVED_ACTION: NotificationResolvedLogFormatter,
}


# --- permissions -------------------------------------------------------------------------------


PERMISSION_POLICIES = {
    Invoice: RestrictedPermissionPolicy(Invoice, ["add", "change", "view"]),
    Payment: RestrictedPermissionPolicy(Payment, ["view"]),
    # "change" on a notification means marking it 確認済; there is no edit form.
    GatewayNotification: RestrictedPermissionPolicy(GatewayNotification, ["change", "view"]),
}


def can_change(user, model):
    return PERMISSION_POLICIES[model].user_has_permission(user, "change")


# --- shared listing and inspect behaviour -------------------------------------------------------


class ActionFormView(admin_kit.ActionFormView):
    """Interim: the action views of this module still log in the view (``log_entry``)."""

    def form_valid(self, form):
        from django.db import transaction

        original_perform = self.perform

        def perform_and_log(data):
            with transaction.atomic():
                instance = original_perform(data)
                action, entry = self.log_entry(instance, data)
                log(instance=instance, action=action, user=self.request.user, data=entry)
            return instance

        self.perform = perform_and_log
        return super().form_valid(form)


# --- invoices ----------------------------------------------------------------------------------


def _fiscal_year_choices():
    years = Invoice.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    return [(str(year), f"{year}年度") for year in years]


class InvoiceFilterSet(WagtailFilterSet):
    fiscal_year = django_filters.ChoiceFilter(
        label="年度", choices=_fiscal_year_choices, empty_label="すべて", widget=forms.Select
    )
    category = django_filters.ChoiceFilter(
        label="区分", choices=Invoice.Category.choices, empty_label="すべて", widget=forms.Select
    )
    status = django_filters.MultipleChoiceFilter(
        label="状態", choices=Invoice.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    channel = django_filters.ChoiceFilter(
        label="入金種別", choices=Invoice.Channel.choices, empty_label="すべて", widget=forms.Select
    )
    reminded = django_filters.ChoiceFilter(
        label="督促",
        choices=[("yes", "督促済"), ("no", "未督促")],
        empty_label="すべて",
        method="filter_reminded",
        widget=forms.Select,
    )

    class Meta:
        model = Invoice
        fields = ["fiscal_year", "category", "status", "channel", "reminded"]

    def filter_reminded(self, queryset, name, value):
        if value == "yes":
            return queryset.exclude(last_reminded_at=None)
        if value == "no":
            return queryset.filter(last_reminded_at=None)
        return queryset


def _local_date(value):
    return f"{timezone.localtime(value):%Y/%m/%d}" if value else ""


class InvoiceIndexView(MemberSearchMixin, ReadOnlyIndexView):
    export_name = "invoices"
    title_label = "会員番号"

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        # A stable order, so that pages do not overlap.
        return queryset.order_by(*queryset.query.order_by, "member__member_number", "pk")

    def row_actions(self, instance):
        if instance.status != Invoice.Status.UNPAID or not can_change(self.request.user, Invoice):
            return []
        return [
            MenuItem(
                "入金を記録", url=reverse(f"{INVOICE_URLS}:pay", args=[instance.pk]), icon_name="success", priority=1
            ),
            MenuItem("免除", url=reverse(f"{INVOICE_URLS}:exempt", args=[instance.pk]), icon_name="minus", priority=2),
            MenuItem("取消", url=reverse(f"{INVOICE_URLS}:cancel", args=[instance.pk]), icon_name="cross", priority=3),
        ]

    @cached_property
    def add_item_label(self):
        return "請求を手入力で作成"


def invoice_action_buttons(user, invoice):
    if invoice.status != Invoice.Status.UNPAID or not can_change(user, Invoice):
        return []
    return [
        HeaderButton(
            "入金を記録", url=reverse(f"{INVOICE_URLS}:pay", args=[invoice.pk]), icon_name="success", priority=10
        ),
        HeaderButton("免除", url=reverse(f"{INVOICE_URLS}:exempt", args=[invoice.pk]), icon_name="minus", priority=20),
        HeaderButton("取消", url=reverse(f"{INVOICE_URLS}:cancel", args=[invoice.pk]), icon_name="cross", priority=30),
    ]


class InvoiceInspectView(ReadOnlyInspectView):
    template_name = "membership/admin/invoice_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(Invoice.objects.select_related("member", "receipt"), pk=self.pk)

    def header_actions(self):
        return invoice_action_buttons(self.request.user, self.object)

    def get_receipt_number_display_value(self):
        invoice = self.object
        if not invoice.receipt_number:
            return "-"
        issued = getattr(invoice, "receipt", None)  # issued on the member's first download
        if issued is None:
            return f"{invoice.receipt_number}(領収書は未発行)"
        return f"{invoice.receipt_number}(領収書の発行日時 {timezone.localtime(issued.issued_at):%Y/%m/%d %H:%M})"

    def get_member_display_value(self):
        return member_link(self.object.member)

    def get_amount_display_value(self):
        return _yen(self.object.amount)

    def get_paid_amount_display_value(self):
        return _yen(self.object.paid_amount) or "-"

    def get_purpose_display_value(self):
        return self.object.receipt_purpose

    def get_last_reminded_at_display_value(self):
        value = self.object.last_reminded_at
        return f"{timezone.localtime(value):%Y/%m/%d %H:%M}" if value else "-"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["payments"] = self.object.payments.order_by("-created_at")
        context["payment_inspect_url_name"] = f"{PAYMENT_URLS}:inspect"
        return context


def invoice_summary(invoice):
    member = invoice.member
    rows = [
        ("会員", f"{member.member_number} {member.full_name}"),
        ("請求", f"{invoice.fiscal_year}年度 {invoice.get_category_display()}"),
        ("金額", _yen(invoice.amount)),
        ("状態", invoice.get_status_display()),
    ]
    if invoice.status == Invoice.Status.PAID:
        rows.append(
            (
                "入金",
                f"{date_display(invoice.paid_on)} {invoice.get_channel_display()} 領収書番号 {invoice.receipt_number}",
            )
        )
    if invoice.status_reason:
        rows.append(("免除・取消の理由", invoice.status_reason))
    return rows


class InvoiceActionView(ActionFormView):
    model = Invoice
    header_icon = "doc-full"

    def get_queryset(self):
        return Invoice.objects.select_related("member")

    def summary(self):
        return invoice_summary(self.object)

    def blocked_reason(self):
        if self.object.status != Invoice.Status.UNPAID:
            return f"この請求は{self.object.get_status_display()}です。{self.page_title}はできません。"
        return ""

    def warnings(self):
        if self.object.payments.filter(status=Payment.Status.AWAITING).exists():
            return ["コンビニ支払待ちの決済があります。その決済の期限切れ・取消を確認してから操作してください。"]
        return []


class RecordPaymentForm(forms.Form):
    channel = forms.ChoiceField(
        label="入金種別",
        choices=[(channel.value, channel.label) for channel in MANUAL_CHANNELS],
        widget=forms.RadioSelect,
        error_messages={"required": "入金種別を選んでください。"},
    )
    paid_on = forms.DateField(
        label="入金日",
        widget=AdminDateInput,
        initial=timezone.localdate,
        error_messages={
            "required": "入金日を入力してください。",
            "invalid": "入金日は 2025-04-01 の形で入力してください。",
        },
    )
    note = forms.CharField(label="備考", max_length=200, required=False, help_text="振込名義や受付者など(任意)")

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError("入金日に未来の日付は指定できません。")
        return paid_on


class RecordPaymentView(InvoiceActionView):
    page_title = "入金を記録"
    form_class = RecordPaymentForm
    submit_label = "入金を記録する"
    explanation = "記録すると請求は入金済になり、領収書番号が付き、会員に入金確認のメールが届きます。"

    def perform(self, data):
        return billing.record_manual_payment(
            invoice_id=self.object.pk, channel=data["channel"], paid_on=data["paid_on"], note=data["note"]
        )

    def log_entry(self, invoice, data):
        return INVOICE_PAID_ACTION, {
            "channel": invoice.channel,
            "paid_on": invoice.paid_on.isoformat(),
            "amount": invoice.paid_amount,
            "receipt_number": invoice.receipt_number,
            "note": data["note"],
        }

    def success_message(self, invoice):
        return f"入金を記録しました({invoice}、領収書番号 {invoice.receipt_number})。"


class CloseInvoiceForm(forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "理由を入力してください。"},
    )


class CloseInvoiceView(InvoiceActionView):
    form_class = CloseInvoiceForm
    status = None
    action = None
    submit_class = "no"

    def perform(self, data):
        return billing.close_invoice(invoice_id=self.object.pk, status=self.status, reason=data["reason"])

    def log_entry(self, invoice, data):
        return self.action, {"reason": invoice.status_reason, "amount": invoice.amount}

    def success_message(self, invoice):
        return f"{invoice}を{invoice.get_status_display()}にしました。"


class ExemptInvoiceView(CloseInvoiceView):
    page_title = "免除"
    status = Invoice.Status.EXEMPT
    action = INVOICE_EXEMPTED_ACTION
    submit_label = "免除にする"
    explanation = (
        "免除にすると、この請求は支払不要になります(会員の会費支払い明細には「免除」と表示されます)。元に戻せません。"
    )


class CancelInvoiceView(CloseInvoiceView):
    page_title = "取消"
    status = Invoice.Status.CANCELLED
    action = INVOICE_CANCELLED_ACTION
    submit_label = "取消にする"
    explanation = "取消にすると、この請求はなかったことになります(同じ内容をあらためて請求できます)。元に戻せません。"


class InvoiceCreateForm(forms.Form):
    member_number = forms.CharField(label="会員番号", max_length=20)
    category = forms.ChoiceField(label="請求区分", choices=Invoice.Category.choices)
    fiscal_year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, initial=current_fiscal_year)
    amount = forms.IntegerField(label="金額(円)", min_value=1, max_value=10_000_000)
    purpose = forms.CharField(
        label="但し書き",
        max_length=100,
        required=False,
        help_text="空欄なら「2025年度 参加費として」のように作られます。",
    )

    def clean_member_number(self):
        number = normalize_login_id(self.cleaned_data["member_number"])
        member = Member.objects.filter(member_number=number).first()
        if member is None:
            raise forms.ValidationError(f"会員番号 {number} の会員が見つかりません。")
        self.member = member
        return number

    def clean(self):
        data = super().clean()
        member = getattr(self, "member", None)
        if member and data.get("category") == Invoice.Category.DUES and data.get("fiscal_year"):
            live = Invoice.objects.filter(member=member, subject=billing.dues_subject(data["fiscal_year"]))
            if live.exclude(status=Invoice.Status.CANCELLED).exists():
                raise forms.ValidationError(f"この会員には{data['fiscal_year']}年度の会費の請求がすでにあります。")
        return data


class InvoiceCreateView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """A one-off invoice typed in by staff (a fee agreed by phone, a dues year billed late)."""

    permission_required = "add"
    model = Invoice
    index_url_name = None
    inspect_url_name = None
    header_icon = "doc-full"
    breadcrumbs_items = WagtailAdminTemplateMixin.breadcrumbs_items
    page_title = "請求を手入力で作成"
    template_name = "membership/admin/invoice_create.html"
    form_class = InvoiceCreateForm

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": "請求"},
            {"url": "", "label": self.page_title},
        ]

    def get_initial(self):
        initial = super().get_initial()
        number = self.request.GET.get("member_number")
        if number:
            initial["member_number"] = number
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        if data["category"] == Invoice.Category.DUES:
            subject = billing.dues_subject(data["fiscal_year"])
        else:
            subject = f"manual:{uuid.uuid4().hex}"
        with transaction.atomic():
            invoice = billing.create_invoice(
                member=form.member,
                category=data["category"],
                fiscal_year=data["fiscal_year"],
                subject=subject,
                amount=data["amount"],
                purpose=data["purpose"],
            )
            log(
                instance=invoice,
                action=INVOICE_CREATED_ACTION,
                user=self.request.user,
                data={
                    "category": invoice.category,
                    "fiscal_year": invoice.fiscal_year,
                    "amount": invoice.amount,
                    "purpose": invoice.purpose,
                },
            )
        messages.success(self.request, f"請求を作成しました({invoice})。")
        return redirect(self.inspect_url_name, invoice.pk)


def _last_reminded(invoice):
    return _local_date(invoice.last_reminded_at)


class InvoiceViewSet(NoChooserMixin, SnippetViewSet):
    model = Invoice
    icon = "doc-full"
    menu_label = "請求"
    menu_name = "invoices"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = InvoiceIndexView
    index_template_name = "core/admin/readonly_index.html"
    inspect_view_class = InvoiceInspectView
    edit_view_class = InspectInsteadOfEditView
    history_view_class = ReadOnlyHistoryView

    list_per_page = 50
    ordering = "-fiscal_year"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("fiscal_year", label="年度", sort_key="fiscal_year"),
        Column("category", label="区分", accessor="get_category_display", sort_key="category"),
        Column("amount", label="金額", accessor=lambda invoice: _yen(invoice.amount), sort_key="amount"),
        Column("status", label="状態", accessor="get_status_display", sort_key="status"),
        Column("paid_on", label="入金日", accessor=lambda invoice: date_display(invoice.paid_on), sort_key="paid_on"),
        Column("channel", label="入金種別", accessor="get_channel_display", sort_key="channel"),
        Column("receipt_number", label="領収書番号", sort_key="receipt_number"),
        Column("last_reminded_at", label="最終督促日", accessor=_last_reminded, sort_key="last_reminded_at"),
    ]
    filterset_class = InvoiceFilterSet
    search_fields = [
        "member__member_number",
        "member__family_name",
        "member__given_name",
        "member__family_name_kana",
        "member__given_name_kana",
        "receipt_number",
    ]
    search_backend_name = None

    list_export = [
        "member.member_number",
        "member.family_name",
        "member.given_name",
        "fiscal_year",
        "get_category_display",
        "amount",
        "get_status_display",
        "paid_on",
        "paid_amount",
        "get_channel_display",
        "receipt_number",
        "status_reason",
        "note",
        "last_reminded_at",
        "created_at",
    ]
    export_headings = {
        "member.member_number": "会員番号",
        "member.family_name": "氏名(姓)",
        "member.given_name": "氏名(名)",
        "fiscal_year": "年度",
        "get_category_display": "区分",
        "amount": "金額(円)",
        "get_status_display": "状態",
        "paid_on": "入金日",
        "paid_amount": "入金額(円)",
        "get_channel_display": "入金種別",
        "receipt_number": "領収書番号",
        "status_reason": "免除・取消の理由",
        "note": "備考",
        "last_reminded_at": "最終督促日時",
        "created_at": "作成日時",
    }

    inspect_view_fields = [
        "member",
        "category",
        "fiscal_year",
        "amount",
        "status",
        "member_status_at_billing",
        "purpose",
        "paid_on",
        "paid_amount",
        "channel",
        "receipt_number",
        "status_reason",
        "note",
        "last_reminded_at",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return Invoice.objects.select_related("member")

    @property
    def edit_view(self):
        return self.construct_view(self.edit_view_class)

    @property
    def add_view(self):
        return self.construct_view(InvoiceCreateView)

    def action_view(self, view_class):
        return self.construct_view(view_class)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("pay/<int:pk>/", self.action_view(RecordPaymentView), name="pay"),
            path("exempt/<int:pk>/", self.action_view(ExemptInvoiceView), name="exempt"),
            path("cancel/<int:pk>/", self.action_view(CancelInvoiceView), name="cancel"),
        ]


# --- payment attempts --------------------------------------------------------------------------


class PaymentFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label="状態", choices=Payment.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    method = django_filters.ChoiceFilter(
        label="支払方法", choices=Payment.Method.choices, empty_label="すべて", widget=forms.Select
    )

    class Meta:
        model = Payment
        fields = ["status", "method"]


class PaymentIndexView(ReadOnlyIndexView):
    export_name = "payments"
    title_label = "オーダーID"


class PaymentInspectView(ReadOnlyInspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(Payment.objects.select_related("invoice__member"), pk=self.pk)

    def get_invoice_display_value(self):
        invoice = self.object.invoice
        return format_html('<a href="{}">{}</a>', reverse(f"{INVOICE_URLS}:inspect", args=[invoice.pk]), invoice)

    def get_amount_display_value(self):
        return _yen(self.object.amount)

    def get_cvs_code_display_value(self):
        return self.object.cvs_chain or "-"


def _payment_member(payment):
    member = payment.invoice.member
    return f"{member.member_number} {member.full_name}"


class PaymentViewSet(NoChooserMixin, SnippetViewSet):
    model = Payment
    icon = "tasks"
    menu_label = "決済"
    menu_name = "payments"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = PaymentIndexView
    index_template_name = "core/admin/readonly_index.html"
    inspect_view_class = PaymentInspectView
    edit_view_class = InspectInsteadOfEditView
    history_view_class = ReadOnlyHistoryView

    list_per_page = 50
    ordering = "-created_at"
    list_display = [
        "order_id",
        Column("member", label="会員", accessor=_payment_member, sort_key="invoice__member__member_number"),
        Column(
            "invoice",
            label="請求",
            accessor=lambda p: f"{p.invoice.fiscal_year}年度 {p.invoice.get_category_display()}",
        ),
        Column("method", label="支払方法", accessor="get_method_display", sort_key="method"),
        Column("status", label="状態", accessor="get_status_display", sort_key="status"),
        Column("amount", label="金額", accessor=lambda p: _yen(p.amount), sort_key="amount"),
        Column("cvs", label="コンビニ", accessor="cvs_chain"),
        Column("cvs_receipt_no", label="お客様番号"),
        Column("cvs_conf_no", label="確認番号"),
        Column("payment_term", label="お支払期限", accessor=lambda p: datetime_display(p.payment_term)),
        Column(
            "created_at", label="開始日時", accessor=lambda p: datetime_display(p.created_at), sort_key="created_at"
        ),
    ]
    filterset_class = PaymentFilterSet
    search_fields = [
        "order_id",
        "invoice__member__member_number",
        "invoice__member__family_name",
        "invoice__member__given_name",
        "cvs_receipt_no",
    ]
    search_backend_name = None

    list_export = [
        "order_id",
        "invoice.member.member_number",
        "invoice.member.full_name",
        "invoice.fiscal_year",
        "invoice.get_category_display",
        "get_method_display",
        "get_status_display",
        "amount",
        "cvs_chain",
        "cvs_receipt_no",
        "cvs_conf_no",
        "payment_term",
        "created_at",
        "paid_at",
    ]
    export_headings = {
        "order_id": "オーダーID",
        "invoice.member.member_number": "会員番号",
        "invoice.member.full_name": "氏名",
        "invoice.fiscal_year": "年度",
        "invoice.get_category_display": "区分",
        "get_method_display": "支払方法",
        "get_status_display": "状態",
        "amount": "金額(円)",
        "cvs_chain": "コンビニ",
        "cvs_receipt_no": "お客様番号",
        "cvs_conf_no": "確認番号",
        "payment_term": "お支払期限",
        "created_at": "開始日時",
        "paid_at": "支払日時",
    }

    inspect_view_fields = [
        "order_id",
        "invoice",
        "method",
        "status",
        "amount",
        "access_id",
        "cvs_code",
        "cvs_receipt_no",
        "cvs_conf_no",
        "payment_term",
        "error_code",
        "error_info",
        "created_at",
        "updated_at",
        "paid_at",
    ]

    def get_queryset(self, request):
        return Payment.objects.select_related("invoice__member")

    @property
    def edit_view(self):
        return self.construct_view(self.edit_view_class)


# --- gateway notifications ---------------------------------------------------------------------


class NotificationFilterSet(WagtailFilterSet):
    outcome = django_filters.ChoiceFilter(
        label="処理結果", choices=GatewayNotification.Outcome.choices, empty_label="すべて", widget=forms.Select
    )
    resolved = django_filters.ChoiceFilter(
        label="確認",
        choices=[("unresolved", "未確認"), ("resolved", "確認済")],
        empty_label="すべて",
        method="filter_resolved",
        widget=forms.Select,
    )

    class Meta:
        model = GatewayNotification
        fields = ["outcome", "resolved"]

    def filter_resolved(self, queryset, name, value):
        if value == "unresolved":
            return queryset.filter(resolved_at=None)
        if value == "resolved":
            return queryset.exclude(resolved_at=None)
        return queryset


def needs_resolving(notification):
    return notification.outcome == GatewayNotification.Outcome.FLAGGED and notification.resolved_at is None


def _resolution(notification):
    if notification.resolved_at:
        return f"確認済 {notification.resolved_by} {datetime_display(notification.resolved_at)}"
    if notification.outcome == GatewayNotification.Outcome.FLAGGED:
        return "未確認"
    return ""


class NotificationIndexView(ReadOnlyIndexView):
    export_name = "gateway-notifications"
    title_label = "受信日時"

    def row_actions(self, instance):
        if needs_resolving(instance) and can_change(self.request.user, GatewayNotification):
            return [
                MenuItem(
                    "確認済にする",
                    url=reverse(f"{NOTIFICATION_URLS}:resolve", args=[instance.pk]),
                    icon_name="check",
                    priority=1,
                )
            ]
        return []


class NotificationInspectView(ReadOnlyInspectView):
    def header_actions(self):
        if needs_resolving(self.object) and can_change(self.request.user, GatewayNotification):
            url = reverse(f"{NOTIFICATION_URLS}:resolve", args=[self.object.pk])
            return [HeaderButton("確認済にする", url=url, icon_name="check")]
        return []

    def get_payment_display_value(self):
        payment = self.object.payment
        if payment is None:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse(f"{PAYMENT_URLS}:inspect", args=[payment.pk]), payment)

    def get_received_at_display_value(self):
        return datetime_display(self.object.received_at)

    def get_processed_at_display_value(self):
        return datetime_display(self.object.processed_at) or "-"

    def get_resolved_at_display_value(self):
        return datetime_display(self.object.resolved_at) or "-"

    def get_body_display_value(self):
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', self.object.body)


class NotificationResolveForm(forms.Form):
    note = forms.CharField(
        label="確認内容",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="何を確認し、どう対応したか(任意。履歴に残ります)",
    )


class NotificationResolveView(ActionFormView):
    model = GatewayNotification
    header_icon = "warning"
    page_title = "確認済にする"
    form_class = NotificationResolveForm
    submit_label = "確認済にする"
    explanation = (
        "確認済にしても決済や請求の状態は変わりません。入金の記録や取消が必要なら、請求の画面で行ってください。"
    )

    def summary(self):
        record = self.object
        return [
            ("受信日時", datetime_display(record.received_at)),
            ("オーダーID", record.order_id),
            ("通知ステータス", record.status),
            ("処理結果", record.get_outcome_display()),
            ("詳細", record.detail),
        ]

    def blocked_reason(self):
        if self.object.outcome != GatewayNotification.Outcome.FLAGGED:
            return "要確認の通知ではありません。"
        if self.object.resolved_at:
            return f"この通知は{self.object.resolved_by}さんが確認済みにしています。"
        return ""

    def perform(self, data):
        return billing.resolve_notification(notification_id=self.object.pk, user=self.request.user)

    def log_entry(self, record, data):
        return NOTIFICATION_RESOLVED_ACTION, {"note": data["note"]}

    def success_message(self, record):
        return f"決済通知({record.order_id or '-'})を確認済にしました。"


class GatewayNotificationViewSet(NoChooserMixin, SnippetViewSet):
    model = GatewayNotification
    icon = "warning"
    menu_label = "決済通知"
    menu_name = "gateway_notifications"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = NotificationIndexView
    index_template_name = "core/admin/readonly_index.html"
    inspect_view_class = NotificationInspectView
    edit_view_class = InspectInsteadOfEditView
    history_view_class = ReadOnlyHistoryView

    list_per_page = 50
    ordering = "-received_at"
    list_display = [
        "received_at",
        Column("order_id", label="オーダーID", sort_key="order_id"),
        Column("status", label="通知ステータス", sort_key="status"),
        Column("outcome", label="処理結果", accessor="get_outcome_display", sort_key="outcome"),
        Column("detail", label="詳細"),
        Column("resolution", label="確認", accessor=_resolution, sort_key="resolved_at"),
    ]
    filterset_class = NotificationFilterSet
    search_fields = ["order_id", "detail"]
    search_backend_name = None

    list_export = ["received_at", "order_id", "status", "get_outcome_display", "detail", "resolved_by", "resolved_at"]
    export_headings = {
        "received_at": "受信日時",
        "order_id": "オーダーID",
        "status": "通知ステータス",
        "get_outcome_display": "処理結果",
        "detail": "詳細",
        "resolved_by": "確認者",
        "resolved_at": "確認日時",
    }

    inspect_view_fields = [
        "received_at",
        "order_id",
        "status",
        "payment",
        "outcome",
        "detail",
        "processed_at",
        "resolved_by",
        "resolved_at",
        "body",
    ]

    @property
    def edit_view(self):
        return self.construct_view(self.edit_view_class)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("resolve/<int:pk>/", self.construct_view(NotificationResolveView), name="resolve"),
        ]


# --- dues rules --------------------------------------------------------------------------------


class DuesRuleCreateView(snippet_views.CreateView):
    """Opened from the dues generation screen with ?fiscal_year=2026: that year is filled in."""

    def get_initial_form_instance(self):
        try:
            year = int(self.request.GET.get("fiscal_year", ""))
        except ValueError:
            year = current_fiscal_year()
        status = self.request.GET.get("member_status")
        if status not in Member.Status.values:
            status = Member.Status.ACTIVE
        return DuesRule(fiscal_year=year, member_status=status)


class DuesRuleFilterSet(WagtailFilterSet):
    member_status = django_filters.ChoiceFilter(
        label="会員ステータス", choices=Member.Status.choices, empty_label="すべて", widget=forms.Select
    )

    class Meta:
        model = DuesRule
        fields = ["member_status"]


class DuesRuleViewSet(NoChooserMixin, SnippetViewSet):
    model = DuesRule
    icon = "cog"
    menu_label = "会費設定"
    menu_name = "dues_rules"
    copy_view_enabled = False
    add_to_reference_index = False
    add_view_class = DuesRuleCreateView

    ordering = "-fiscal_year"
    list_display = [
        "fiscal_year",
        Column("member_status", label="会員ステータス", accessor="get_member_status_display", sort_key="member_status"),
        Column("amount", label="会費", accessor=lambda rule: _yen(rule.amount), sort_key="amount"),
    ]
    filterset_class = DuesRuleFilterSet
    panels = [FieldPanel("fiscal_year"), FieldPanel("member_status"), FieldPanel("amount")]


# --- the menu group ----------------------------------------------------------------------------


class MoneyViewSetGroup(SnippetViewSetGroup):
    """会費・入金: 請求, 会費の一括請求, 督促メール, 決済, 決済通知, 会費設定."""

    items = (InvoiceViewSet, PaymentViewSet, GatewayNotificationViewSet, DuesRuleViewSet)
    menu_label = "会費・入金"
    menu_icon = "doc-full"
    menu_name = "money"
    menu_order = 120
    submenu_hook = MONEY_MENU_HOOK

    # Menu positions; the screens registered through MONEY_MENU_HOOK use 200 and 300.
    item_orders = {Invoice: 100, Payment: 400, GatewayNotification: 500, DuesRule: 600}

    def get_submenu_items(self):
        return [viewset.get_menu_item(order=self.item_orders[viewset.model]) for viewset in self.registerables]


@member_section
def invoices_section(member, user):
    if not PERMISSION_POLICIES[Invoice].user_has_permission(user, "view"):
        return None
    invoices = list(member.invoices.order_by("-fiscal_year", "-created_at")[:10])
    return MemberSection(
        heading="請求(新しい順に10件)",
        columns=["年度", "区分", "金額", "状態", "入金日", "入金種別"],
        rows=[
            [
                Link(f"{invoice.fiscal_year}年度", reverse(f"{INVOICE_URLS}:inspect", args=[invoice.pk])),
                invoice.get_category_display(),
                _yen(invoice.amount),
                invoice.get_status_display(),
                date_display(invoice.paid_on, "-"),
                invoice.get_channel_display() or "-",
            ]
            for invoice in invoices
        ],
        more_url=f"{reverse(f'{INVOICE_URLS}:list')}?{urlencode({'q': member.member_number})}",
        order=10,
    )
