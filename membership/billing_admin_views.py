"""Money screens of the Wagtail admin that are not listings (registered in wagtail_hooks.py).

- 会費の一括請求 (``/admin/dues/generate/``): choose a fiscal year, see what
  ``billing.plan_dues`` would do (how many members, how much, who is skipped and why), then
  confirm: ``billing.generate_dues`` bills everyone once (a second run bills nobody twice).
- 督促メール (``/admin/dues/reminders/``): choose a fiscal year (or all years), see how many
  members would be mailed, then confirm: ``tasks.send_dues_reminders_task`` sends one mail per
  member in the background.
- ``MoneySummaryPanel``: this fiscal year's dues and what needs the staff's attention, on the
  admin dashboard.

Views check input and permission and call services; they never write money rows themselves.
"""

import collections
import datetime
import uuid
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import TemplateView
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from core.dates import current_fiscal_year

from . import billing
from .billing_viewsets import (
    DUES_GENERATED_ACTION,
    DUES_RULE_URLS,
    INVOICE_URLS,
    NOTIFICATION_URLS,
    PAYMENT_URLS,
)
from .models import DuesRule, DuesRun, GatewayNotification, Invoice, Member, Payment
from .tasks import run_dues_generation_task, send_dues_reminders_task

GENERATE_PERMISSION = "membership.add_invoice"
REMIND_PERMISSION = "membership.change_invoice"
VIEW_PERMISSION = "membership.view_invoice"

# Above this many members to bill, 会費の一括請求 runs in the background
# (tasks.run_dues_generation_task) and the staff follow it on the progress page (DuesRunView);
# up to this many, the invoices are created in the request.
LARGE_ROLL = 5000

# A 督促メール is refused while any invoice it would mention was reminded less than this long
# ago (a double click, or two staff at once), so that nobody gets the same mail twice.
REMINDER_GUARD = datetime.timedelta(minutes=10)
# PostgreSQL advisory lock that lets only one 督促メール request check and queue at a time.
REMINDER_LOCK_KEY = 4_711_001
BUSY_REMINDER_MESSAGE = (
    "他の督促メールの送信の受付と重なったため、送信しませんでした。"
    "画面を再読み込みして、前回の督促の日時をご確認ください。"
)


def _url(name, **params):
    url = reverse(name)
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


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


# --- 会費の一括請求 --------------------------------------------------------------------------


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
        roll = billing.plan_dues(fiscal_year=year)
        per_status = collections.Counter(status for _, _, status in roll.to_bill)
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
            add_rule_url=_url(f"{DUES_RULE_URLS}:add", fiscal_year=year),
            rules_url=_url(f"{DUES_RULE_URLS}:list"),
            invoices_url=_url(f"{INVOICE_URLS}:list", fiscal_year=year, category=Invoice.Category.DUES),
            large=roll.count > LARGE_ROLL,
        )
        return context

    def post(self, request, *args, **kwargs):
        year = _year(request.POST.get("fiscal_year"), None)
        if year is None:
            messages.error(request, "年度を選んでください。")
            return redirect("dues_admin:generate")
        back = _url("dues_admin:generate", fiscal_year=year)
        rules = list(DuesRule.objects.filter(fiscal_year=year))
        if not rules:
            messages.error(request, f"{year}年度の会費設定がありません。先に会費設定を登録してください。")
            return redirect(back)
        if billing.plan_dues(fiscal_year=year).count > LARGE_ROLL:
            return self.start_in_background(request, year, rules)
        with transaction.atomic():
            roll = billing.generate_dues(fiscal_year=year)
            per_status = collections.Counter(status for _, _, status in roll.to_bill)
            for rule in rules:
                log(
                    instance=rule,
                    action=DUES_GENERATED_ACTION,
                    user=request.user,
                    uuid=uuid.uuid4(),  # one request logs several rules; each keeps its entry
                    data={
                        "fiscal_year": year,
                        "billed": per_status[rule.member_status],
                        "amount": rule.amount,
                        "created": roll.created,
                        "total_yen": roll.total_yen,
                        "skipped": roll.skipped,
                    },
                )
        if roll.created:
            messages.success(
                request,
                f"{year}年度の会費を{roll.created:,}件請求しました(合計 {roll.total_yen:,}円)。",
                buttons=[
                    messages.button(_url(f"{INVOICE_URLS}:list", fiscal_year=year, category="dues"), "請求の一覧")
                ],
            )
        else:
            messages.warning(request, f"{year}年度の会費で新しく請求するものはありませんでした。")
        return redirect(back)

    def start_in_background(self, request, year, rules):
        """Large rolls run as a background task; the run's page shows the progress."""
        with transaction.atomic():
            run = DuesRun.objects.create(fiscal_year=year, requested_by=request.user)
            for rule in rules:
                log(
                    instance=rule,
                    action=DUES_GENERATED_ACTION,
                    user=request.user,
                    uuid=uuid.uuid4(),
                    data={"fiscal_year": year, "amount": rule.amount, "background_run": run.pk},
                )
            transaction.on_commit(lambda: run_dues_generation_task.enqueue(run_id=run.pk))
        return redirect("dues_admin:run", run_id=run.pk)


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
            back_url=_url("dues_admin:generate", fiscal_year=run.fiscal_year),
            invoices_url=_url(f"{INVOICE_URLS}:list", fiscal_year=run.fiscal_year, category=Invoice.Category.DUES),
        )
        return context


# --- 督促メール --------------------------------------------------------------------------------


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
        plan = billing.plan_dues_reminders(fiscal_year=year)
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
            invoices_url=_url(
                f"{INVOICE_URLS}:list",
                **({"fiscal_year": year} if year else {}),
                category=Invoice.Category.DUES,
                status=Invoice.Status.UNPAID,
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        year = self.selected_year(request.POST)
        back = _url("dues_admin:reminders", **({"fiscal_year": year} if year else {}))
        with transaction.atomic():
            # One request at a time checks and queues (the second of a double click waits here
            # until the first has committed its queued task, then sees it and is refused).
            if _lock_reminders():
                refusal = self.refusal(billing.plan_dues_reminders(fiscal_year=year))
            else:
                refusal = BUSY_REMINDER_MESSAGE
            if refusal is None:
                send_dues_reminders_task.enqueue(fiscal_year=year, user_id=request.user.pk)
        if refusal:
            messages.warning(request, refusal)
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

    def refusal(self, plan):
        """Why this reminder must not be sent now (a warning for the staff), or None."""
        # Queued but not finished yet (the database task backend; the immediate one has run it).
        pending = (
            DBTaskResult.objects.filter(
                task_path=send_dues_reminders_task.module_path,
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            )
            .order_by("-enqueued_at")
            .first()
        )
        if pending is not None:
            return (
                f"{timezone.localtime(pending.enqueued_at):%H:%M}に開始した督促メールの送信がまだ終わっていないため、"
                "送信しませんでした(同じ会員に二度送らないためです)。しばらくしてから画面を再読み込みして、"
                "前回の督促の日時をご確認ください。"
            )
        if plan.last_reminded_at and plan.last_reminded_at > timezone.now() - REMINDER_GUARD:
            return (
                f"{timezone.localtime(plan.last_reminded_at):%H:%M}に督促メールを送ったばかりのため、送信しませんでした"
                f"(同じ会員に二度送らないよう、前回の督促から{REMINDER_GUARD.seconds // 60}分間は送れません)。"
            )
        return None


def _lock_reminders():
    """Take the 督促メール lock for this transaction (PostgreSQL); False if it is not free in time.

    The wait is bounded by the connection's lock_timeout (settings.py). Other databases
    (SQLite in development) take no lock.
    """
    if connection.vendor != "postgresql":
        return True
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REMINDER_LOCK_KEY])
    except DatabaseError:
        return False
    return True


# --- dashboard ---------------------------------------------------------------------------------


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
                awaiting_url=_url(f"{PAYMENT_URLS}:list", status=Payment.Status.AWAITING),
            )
        if self.can_see_notifications:
            context.update(
                flagged_count=GatewayNotification.objects.filter(
                    outcome=GatewayNotification.Outcome.FLAGGED, resolved_at=None
                ).count(),
                flagged_url=_url(
                    f"{NOTIFICATION_URLS}:list", outcome=GatewayNotification.Outcome.FLAGGED, resolved="unresolved"
                ),
            )
        if self.user.has_perm(GENERATE_PERMISSION):
            context["generate_url"] = _url("dues_admin:generate", fiscal_year=year)
        if self.user.has_perm(REMIND_PERMISSION):
            context["reminders_url"] = _url("dues_admin:reminders", fiscal_year=year)
        return context


urlpatterns = [
    path("generate/", DuesGenerateView.as_view(), name="generate"),
    path("runs/<int:run_id>/", DuesRunView.as_view(), name="run"),
    path("reminders/", DuesReminderView.as_view(), name="reminders"),
]
