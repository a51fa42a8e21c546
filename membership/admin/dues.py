"""Dues in the admin: 会費設定 (the dues rules, edited as data), 会費の一括請求, 督促メール, and
the dashboard's money panel.

- 会費の一括請求 (``/admin/dues/generate/``): choose a fiscal year, see what
  ``billing.dues.plan_dues`` would do (how many members, how much, who is skipped and why), then
  confirm: ``billing.dues.bill_dues`` bills everyone once (a second run bills nobody twice), a
  large roll in the background with a progress page (``/admin/dues/runs/<id>/``).
- 督促メール (``/admin/dues/reminders/``): choose a fiscal year (or all years), see how many
  members would be mailed, then confirm: ``billing.reminders.request_dues_reminders`` queues
  one mail per member in the background, or says why not now.
- ``MoneySummaryPanel``: this fiscal year's dues and what needs the staff's attention.

Views check input and permission and call services; they never write money rows themselves.
"""

from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import NoChooserMixin
from core.dates import current_fiscal_year

from ..billing import dues as billing_dues
from ..billing.dues import DUES_GENERATED_ACTION, plan_dues
from ..billing.errors import BillingError
from ..billing.reminders import REMINDER_LOG_ACTION, plan_dues_reminders, request_dues_reminders
from ..models import DuesRule, DuesRun, GatewayNotification, Invoice, Member, Payment
from .money import (
    DUES_RULE_URLS,
    GENERATE_PERMISSION,
    INVOICE_URLS,
    NOTIFICATION_URLS,
    PAYMENT_URLS,
    REMIND_PERMISSION,
    url_with,
    yen,
)

# --- history -------------------------------------------------------------------------------------


class InvoiceRemindedLogFormatter(LogFormatter):
    label = "督促メール"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        years = "・".join(f"{year}年度" for year in data.get("fiscal_years") or [])
        return f"督促メールを送りました({data.get('to', '')} / 未納 {years})"


class DuesGeneratedLogFormatter(LogFormatter):
    label = "会費の一括請求"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return (
            f"{data.get('fiscal_year', '')}年度の会費を一括請求しました: "
            f"この設定で {data.get('billed', 0):,}件 / 全体で {data.get('created', 0):,}件作成"
            f"(合計 {yen(data.get('total_yen', 0))})"
        )


LOG_ACTIONS = {REMINDER_LOG_ACTION: InvoiceRemindedLogFormatter, DUES_GENERATED_ACTION: DuesGeneratedLogFormatter}


# --- 会費設定 ------------------------------------------------------------------------------------


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
        Column("amount", label="会費", accessor=lambda rule: yen(rule.amount), sort_key="amount"),
    ]
    filterset_class = DuesRuleFilterSet
    panels = [FieldPanel("fiscal_year"), FieldPanel("member_status"), FieldPanel("amount")]


# --- screens -------------------------------------------------------------------------------------


class MoneyScreen(WagtailAdminTemplateMixin, TemplateView):
    permission = None
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{INVOICE_URLS}:list"), "label": "請求"},
            {"url": "", "label": self.page_title},
        ]


def _year(value, default):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


class DuesGenerateView(MoneyScreen):
    permission = GENERATE_PERMISSION
    template_name = "membership/admin/dues_generate.html"
    page_title = "会費の一括請求"
    header_icon = "list-ul"

    def year_choices(self, selected):
        current = current_fiscal_year()
        years = set(range(current - 3, current + 2)) | {selected}
        years |= set(DuesRule.objects.values_list("fiscal_year", flat=True).distinct())
        return sorted(years, reverse=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = _year(self.request.GET.get("fiscal_year"), current_fiscal_year())
        rules = list(DuesRule.objects.filter(fiscal_year=year).order_by("member_status"))
        roll = plan_dues(fiscal_year=year)
        per_status = roll.per_status()
        labels = dict(Member.Status.choices)
        context.update(
            fiscal_year=year,
            years=self.year_choices(year),
            rules=rules,
            roll=roll,
            to_bill=[
                {
                    "status": labels.get(rule.member_status),
                    "amount": rule.amount,
                    "count": per_status[rule.member_status],
                    "yen": per_status[rule.member_status] * rule.amount,
                }
                for rule in rules
            ],
            skipped=[
                {"reason": reason, "count": count, "examples": roll.skipped_examples.get(reason, [])}
                for reason, count in sorted(roll.skipped.items(), key=lambda item: -item[1])
            ],
            add_rule_url=url_with(f"{DUES_RULE_URLS}:add", fiscal_year=year),
            rules_url=url_with(f"{DUES_RULE_URLS}:list"),
            invoices_url=url_with(f"{INVOICE_URLS}:list", fiscal_year=year, category=Invoice.Category.DUES),
            large=roll.count > billing_dues.LARGE_ROLL,
        )
        return context

    def post(self, request, *args, **kwargs):
        year = _year(request.POST.get("fiscal_year"), None)
        if year is None:
            messages.error(request, "年度を選んでください。")
            return redirect("dues_admin:generate")
        back = url_with("dues_admin:generate", fiscal_year=year)
        try:
            roll, run = billing_dues.bill_dues(fiscal_year=year, user=request.user)
        except BillingError as error:
            messages.error(request, str(error))
            return redirect(back)
        if run is not None:  # a large roll: billed in the background, the run's page shows the progress
            return redirect("dues_admin:run", run_id=run.pk)
        if roll.created:
            messages.success(
                request,
                f"{year}年度の会費を{roll.created:,}件請求しました(合計 {roll.total_yen:,}円)。",
                buttons=[
                    messages.button(url_with(f"{INVOICE_URLS}:list", fiscal_year=year, category="dues"), "請求の一覧")
                ],
            )
        else:
            messages.warning(request, f"{year}年度の会費で新しく請求するものはありませんでした。")
        return redirect(back)


class DuesRunView(MoneyScreen):
    """The progress of a background 会費の一括請求; the page reloads itself until it is done."""

    permission = GENERATE_PERMISSION
    template_name = "membership/admin/dues_run.html"
    page_title = "会費の一括請求の進み具合"
    header_icon = "list-ul"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = DuesRun.objects.filter(pk=self.kwargs["run_id"]).first()
        if run is None:
            raise Http404
        context.update(
            run=run,
            back_url=url_with("dues_admin:generate", fiscal_year=run.fiscal_year),
            invoices_url=url_with(f"{INVOICE_URLS}:list", fiscal_year=run.fiscal_year, category=Invoice.Category.DUES),
        )
        return context


class DuesReminderView(MoneyScreen):
    permission = REMIND_PERMISSION
    template_name = "membership/admin/dues_reminders.html"
    page_title = "督促メール"
    header_icon = "mail"

    def selected_year(self, data):
        return _year(data.get("fiscal_year"), None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.selected_year(self.request.GET)
        plan = plan_dues_reminders(fiscal_year=year)
        unpaid_years = (
            Invoice.objects.filter(category=Invoice.Category.DUES, status=Invoice.Status.UNPAID)
            .order_by("-fiscal_year")
            .values_list("fiscal_year", flat=True)
            .distinct()
        )
        today = timezone.localdate()
        context.update(
            fiscal_year=year,
            years=list(unpaid_years),
            plan=plan,
            without_email_examples=[letter.member_number for letter in plan.without_email[:10]],
            reminded_today=plan.last_reminded_at and timezone.localdate(plan.last_reminded_at) == today,
            invoices_url=url_with(
                f"{INVOICE_URLS}:list",
                **({"fiscal_year": year} if year else {}),
                category=Invoice.Category.DUES,
                status=Invoice.Status.UNPAID,
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        year = self.selected_year(request.POST)
        back = url_with("dues_admin:reminders", **({"fiscal_year": year} if year else {}))
        try:
            request_dues_reminders(fiscal_year=year, user=request.user)
        except BillingError as refusal:
            messages.warning(request, str(refusal))
            return redirect(back)
        scope = f"{year}年度" if year else "すべての年度"
        try:
            count = f"、{int(request.POST.get('expected_members', '')):,}名"
        except ValueError:
            count = ""
        messages.success(
            request, f"督促メールの送信を開始しました({scope}の未納{count})。送信はバックグラウンドで行われます。"
        )
        return redirect(back)


# --- dashboard -----------------------------------------------------------------------------------


class MoneySummaryPanel(Component):
    """この年度の会費 (billed / paid / unpaid) and what needs the staff's attention."""

    name = "money_summary"
    template_name = "membership/admin/money_panel.html"
    order = 50

    def __init__(self, user):
        self.user = user

    @cached_property
    def can_see_payments(self):
        return self.user.has_perm("membership.view_payment")

    @cached_property
    def can_see_notifications(self):
        return self.user.has_perm("membership.view_gatewaynotification")

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        year = current_fiscal_year()
        live = ~Q(status=Invoice.Status.CANCELLED)
        paid = Q(status=Invoice.Status.PAID)
        unpaid = Q(status=Invoice.Status.UNPAID)
        exempt = Q(status=Invoice.Status.EXEMPT)
        dues = Invoice.objects.filter(category=Invoice.Category.DUES, fiscal_year=year).aggregate(
            billed_count=Count("pk", filter=live),
            billed_yen=Sum("amount", filter=live, default=0),
            paid_count=Count("pk", filter=paid),
            paid_yen=Sum("amount", filter=paid, default=0),
            unpaid_count=Count("pk", filter=unpaid),
            unpaid_yen=Sum("amount", filter=unpaid, default=0),
            exempt_count=Count("pk", filter=exempt),
        )
        dues_list = reverse(f"{INVOICE_URLS}:list")
        base = {"fiscal_year": year, "category": Invoice.Category.DUES}
        context.update(
            fiscal_year=year,
            dues=dues,
            billed_url=f"{dues_list}?{urlencode(base)}",
            paid_url=f"{dues_list}?{urlencode({**base, 'status': Invoice.Status.PAID})}",
            unpaid_url=f"{dues_list}?{urlencode({**base, 'status': Invoice.Status.UNPAID})}",
        )
        if self.can_see_payments:
            context.update(
                awaiting_count=Payment.objects.filter(status=Payment.Status.AWAITING).count(),
                awaiting_url=url_with(f"{PAYMENT_URLS}:list", status=Payment.Status.AWAITING),
            )
        if self.can_see_notifications:
            context.update(
                flagged_count=GatewayNotification.objects.filter(
                    outcome=GatewayNotification.Outcome.FLAGGED, resolved_at=None
                ).count(),
                flagged_url=url_with(
                    f"{NOTIFICATION_URLS}:list", outcome=GatewayNotification.Outcome.FLAGGED, resolved="unresolved"
                ),
            )
        if self.user.has_perm(GENERATE_PERMISSION):
            context["generate_url"] = url_with("dues_admin:generate", fiscal_year=year)
        if self.user.has_perm(REMIND_PERMISSION):
            context["reminders_url"] = url_with("dues_admin:reminders", fiscal_year=year)
        return context


urlpatterns = [
    path("generate/", DuesGenerateView.as_view(), name="generate"),
    path("runs/<int:run_id>/", DuesRunView.as_view(), name="run"),
    path("reminders/", DuesReminderView.as_view(), name="reminders"),
]
