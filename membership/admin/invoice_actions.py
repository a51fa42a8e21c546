"""The actions on an invoice (請求) in the admin: 入金を記録, 免除, 取消, and an invoice typed in
by staff (請求を手入力で作成). Each form page calls one service of ``membership.billing``
(``payments.record_manual_payment``, ``invoices.close_invoice``, ``invoices.create_invoice``)
with the acting user; the service writes the invoice's history entry, formatted here.
"""

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.log_actions import LogFormatter

from core.admin_kit import ActionFormView, date_display
from core.dates import current_fiscal_year

from ..billing.dues import dues_subject
from ..billing.invoices import (
    INVOICE_CANCELLED_ACTION,
    INVOICE_CREATED_ACTION,
    INVOICE_EXEMPTED_ACTION,
    INVOICE_PAID_ACTION,
    MANUAL_CHANNELS,
    close_invoice,
    create_invoice,
    staff_subject,
)
from ..billing.payments import record_manual_payment
from ..billing.unpay import INVOICE_UNPAID_ACTION
from ..member_numbers import normalize_member_number
from ..models import Invoice, Member, Payment
from .money import channel_label, yen

# --- history -------------------------------------------------------------------------------------


class InvoicePaidLogFormatter(LogFormatter):
    label = "入金の記録"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        parts = [
            channel_label(data.get("channel")),
            (data.get("paid_on") or "").replace("-", "/"),
            yen(data.get("amount")),
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


class InvoiceCreatedLogFormatter(LogFormatter):
    label = "請求の手入力"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        category = dict(Invoice.Category.choices).get(data.get("category"), data.get("category", ""))
        return f"請求を作成しました: {data.get('fiscal_year', '')}年度 {category} {yen(data.get('amount'))}"


class InvoiceUnpaidLogFormatter(LogFormatter):
    label = "入金の取消"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        text = f"入金({(data.get('paid_on') or '').replace('-', '/')} {yen(data.get('amount'))})を取り消し、未納に戻しました"
        if data.get("import_job"):
            text += f"(入金明細の取込 #{data['import_job']} の取消)"
        if data.get("receipt_number"):
            text += f"。領収書番号 {data['receipt_number']} は欠番です"
        return text


LOG_ACTIONS = {
    INVOICE_PAID_ACTION: InvoicePaidLogFormatter,
    INVOICE_UNPAID_ACTION: InvoiceUnpaidLogFormatter,
    INVOICE_EXEMPTED_ACTION: InvoiceExemptedLogFormatter,
    INVOICE_CANCELLED_ACTION: InvoiceCancelledLogFormatter,
    INVOICE_CREATED_ACTION: InvoiceCreatedLogFormatter,
}


# --- actions -------------------------------------------------------------------------------------


def invoice_summary(invoice):
    member = invoice.member
    rows = [
        ("会員", f"{member.member_number} {member.full_name}"),
        ("請求", f"{invoice.fiscal_year}年度 {invoice.get_category_display()}"),
        ("金額", yen(invoice.amount)),
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
        return record_manual_payment(
            invoice_id=self.object.pk,
            channel=data["channel"],
            paid_on=data["paid_on"],
            note=data["note"],
            user=self.request.user,
        )

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
    submit_class = "no"

    def perform(self, data):
        return close_invoice(
            invoice_id=self.object.pk, status=self.status, reason=data["reason"], user=self.request.user
        )

    def success_message(self, invoice):
        return f"{invoice}を{invoice.get_status_display()}にしました。"


class ExemptInvoiceView(CloseInvoiceView):
    page_title = "免除"
    status = Invoice.Status.EXEMPT
    submit_label = "免除にする"
    explanation = (
        "免除にすると、この請求は支払不要になります(会員の会費支払い明細には「免除」と表示されます)。元に戻せません。"
    )


class CancelInvoiceView(CloseInvoiceView):
    page_title = "取消"
    status = Invoice.Status.CANCELLED
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
        number = normalize_member_number(self.cleaned_data["member_number"])
        member = Member.objects.filter(member_number=number).first()
        if member is None:
            raise forms.ValidationError(f"会員番号 {number} の会員が見つかりません。")
        self.member = member
        return number

    def clean(self):
        data = super().clean()
        member = getattr(self, "member", None)
        if member and data.get("category") == Invoice.Category.DUES and data.get("fiscal_year"):
            live = Invoice.objects.filter(member=member, subject=dues_subject(data["fiscal_year"]))
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
        invoice = create_invoice(
            member=form.member,
            category=data["category"],
            fiscal_year=data["fiscal_year"],
            subject=staff_subject(category=data["category"], fiscal_year=data["fiscal_year"]),
            amount=data["amount"],
            purpose=data["purpose"],
            user=self.request.user,
        )
        messages.success(self.request, f"請求を作成しました({invoice})。")
        return redirect(self.inspect_url_name, invoice.pk)
