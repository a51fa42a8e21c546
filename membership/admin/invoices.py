"""請求 in the admin: the invoice listing (filters, search, CSV/XLSX export), the inspect page
with its actions (``invoice_actions``), and the invoices section of a member's page."""

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import (
    ActionOnlyViewSetMixin,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    date_display,
)

from ..admin_sections import Link, MemberSection, member_link, member_section
from ..models import Invoice
from ..search import MemberSearchMixin
from .invoice_actions import CancelInvoiceView, ExemptInvoiceView, InvoiceCreateView, RecordPaymentView
from .invoice_documents import InvoiceDocumentView
from .money import INVOICE_URLS, PAYMENT_URLS, PERMISSION_POLICIES, can_change, yen


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
        buttons = invoice_action_buttons(self.request.user, self.object)
        if self.object.status == Invoice.Status.UNPAID and can_change(self.request.user, Invoice):
            url = reverse(f"{INVOICE_URLS}:seikyusho", args=[self.object.pk])
            buttons.append(HeaderButton("請求書PDF", url=url, icon_name="doc-full", priority=40))
        return buttons

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
        return yen(self.object.amount)

    def get_paid_amount_display_value(self):
        return yen(self.object.paid_amount) or "-"

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


def _last_reminded(invoice):
    return _local_date(invoice.last_reminded_at)


class InvoiceViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = Invoice
    icon = "doc-full"
    menu_label = "請求"
    menu_name = "invoices"

    index_view_class = InvoiceIndexView
    inspect_view_class = InvoiceInspectView

    list_per_page = 50
    ordering = "-fiscal_year"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("fiscal_year", label="年度", sort_key="fiscal_year"),
        Column("category", label="区分", accessor="get_category_display", sort_key="category"),
        Column("amount", label="金額", accessor=lambda invoice: yen(invoice.amount), sort_key="amount"),
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
    def add_view(self):
        return self.construct_view(InvoiceCreateView)

    action_views = {
        "pay": RecordPaymentView,
        "exempt": ExemptInvoiceView,
        "cancel": CancelInvoiceView,
        "seikyusho": InvoiceDocumentView,
    }


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
                yen(invoice.amount),
                invoice.get_status_display(),
                date_display(invoice.paid_on, "-"),
                invoice.get_channel_display() or "-",
            ]
            for invoice in invoices
        ],
        more_url=f"{reverse(f'{INVOICE_URLS}:list')}?{urlencode({'q': member.member_number})}",
        order=10,
    )
