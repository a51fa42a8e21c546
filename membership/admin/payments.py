"""決済 in the admin: the payment attempts, read-only (listing with filters, search and export;
inspect page; history)."""

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import (
    ActionOnlyViewSetMixin,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    datetime_display,
)

from ..models import Payment
from .money import INVOICE_URLS, yen


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
        return yen(self.object.amount)

    def get_cvs_code_display_value(self):
        return self.object.cvs_chain or "-"


def _payment_member(payment):
    member = payment.invoice.member
    return f"{member.member_number} {member.full_name}"


class PaymentViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = Payment
    icon = "tasks"
    menu_label = "決済"
    menu_name = "payments"

    index_view_class = PaymentIndexView
    inspect_view_class = PaymentInspectView

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
        Column("amount", label="金額", accessor=lambda p: yen(p.amount), sort_key="amount"),
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
