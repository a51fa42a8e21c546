"""This app's panels on the dashboard (``membership.shell`` registry): the certification and how
long is left, the points of the current cycle by category (``credits.evaluate``, the rule's
owner), the next seminars the member registered for (``registrations.upcoming_registrations``),
and the renewal and extension applications in progress.

Each panel costs a fixed number of queries; the evaluation is computed once per request and
shared with the dashboard notice about a shortfall (``menu.credit_shortfall_notice``).
"""

from django.db.models import Value
from django.urls import reverse
from django.utils import timezone

from core.dates import add_months
from membership.dashboard import request_unpaid_invoices
from membership.models import Invoice, Member
from membership.shell import ApplicationInProgress, application_in_progress, dashboard_panel, request_cached

from .credits import evaluate
from .models import ExtensionApplication, RenewalApplication, RenewalSettings
from .registrations import upcoming_registrations
from .renewals import OPEN_STATES

NO_LONGER_MEMBERS = (Member.Status.WITHDRAWN, Member.Status.LAPSED)
NEXT_SEMINARS = 3
RENEWAL, EXTENSION = 1, 2  # the kinds of application in progress, in the order listed


def request_evaluation(request, member):
    """The member's credits.Evaluation for today, computed once per request."""
    return request_cached(
        request, "credit_evaluation", lambda: evaluate(member, today=timezone.localdate(), request=request)
    )


def time_left(today, expires_on):
    """How long is left until ``expires_on``, in words: あと1年9か月, あと25日, 本日まで."""
    if expires_on < today:
        return f"有効期限を{(today - expires_on).days}日過ぎています"
    if expires_on == today:
        return "本日まで"
    months = (expires_on.year - today.year) * 12 + expires_on.month - today.month
    if expires_on.day < today.day:
        months -= 1
    if months < 1:
        return f"あと{(expires_on - today).days}日"
    years, months = divmod(months, 12)
    return "あと" + (f"{years}年" if years else "") + (f"{months}か月" if months else "")


def _percent(part, whole):
    return 100 if whole <= 0 else min(100, round(100 * part / whole))


@dashboard_panel("certification", template="renewal/dashboard/certification.html", order=10)
def certification_panel(request, member):
    """資格: the certification's number and expiry, how long is left, and whether renewal is open."""
    today = timezone.localdate()
    expires_on = member.certification_expires_on
    context = {"member": member, "expires_on": expires_on}
    if expires_on is None:
        return context
    window_opens_on = add_months(expires_on, -RenewalSettings.load(request_or_site=request).application_window_months)
    context.update(
        time_left=time_left(today, expires_on),
        days_left=(expires_on - today).days,
        expired=expires_on < today,
        window_opens_on=window_opens_on,
        window_open=window_opens_on <= today <= expires_on,
    )
    return context


@dashboard_panel("points", template="renewal/dashboard/points.html", order=20)
def points_panel(request, member):
    """更新ポイント: the current cycle's points against the requirement, a bar per category."""
    if member.status in NO_LONGER_MEMBERS:
        return None
    evaluation = request_evaluation(request, member)
    categories = [
        {
            "name": category.name,
            "earned": category.earned,
            "counted": category.counted,
            "cap": category.cap,
            "full": category.full,
            "percent": _percent(category.counted, category.cap),
        }
        for category in evaluation.categories
    ]
    return {
        "evaluation": evaluation,
        "categories": categories,
        "percent": _percent(evaluation.total, evaluation.required),
    }


@dashboard_panel("seminars", template="renewal/dashboard/seminars.html", order=40, guests=True)
def seminars_panel(request, member):
    """申込済みの学会・セミナー: the next ones, soonest first, with an unpaid fee pointed out."""
    if member is None:
        return None
    rows = upcoming_registrations(member=member, today=timezone.localdate(), limit=NEXT_SEMINARS + 1)
    # Whether a fee is still unpaid is known from the unpaid invoices the dashboard reads anyway.
    unpaid = {invoice.pk for invoice in request_unpaid_invoices(request, member)}
    return {
        "seminars": [(row, row.invoice_id in unpaid) for row in rows[:NEXT_SEMINARS]],
        "more": len(rows) > NEXT_SEMINARS,
        "points": not member.is_guest,
    }


def _renewal_state(state, invoice_status):
    if state == RenewalApplication.State.SUBMITTED:
        return RenewalApplication.State.SUBMITTED.label
    if invoice_status in (None, Invoice.Status.UNPAID):
        return "申請確認完了(更新料のお支払いをお待ちしています)"
    if invoice_status in (Invoice.Status.PAID, Invoice.Status.EXEMPT):
        return "会員証発行処理中"
    return "申請確認完了(事務局へお問い合わせください)"


@application_in_progress
def renewal_applications(request, member):
    """資格更新申請 until the card is issued and 更新延長申請 until decided: one query for both
    (almost always empty), renewals first."""
    # Plain values, no annotations and no ORDER BY on the union: the rows (almost always none)
    # are put in order here.
    renewals = RenewalApplication.objects.filter(member_id=member.pk, state__in=OPEN_STATES).order_by()
    extensions = ExtensionApplication.objects.filter(
        member_id=member.pk, state=ExtensionApplication.State.SUBMITTED
    ).order_by()
    rows = renewals.values_list(Value(RENEWAL), "state", "invoice__status", "submitted_at").union(
        extensions.values_list(Value(EXTENSION), "state", "programme__name", "submitted_at"), all=True
    )
    for kind, state, detail, submitted_at in sorted(rows, key=lambda row: (row[0], row[3])):
        if kind == RENEWAL:
            yield ApplicationInProgress(
                label="資格更新申請",
                state=_renewal_state(state, detail),
                url=reverse("renewal:renewal"),
                submitted_on=timezone.localdate(submitted_at),
            )
        else:
            yield ApplicationInProgress(
                label="更新延長申請",
                state=ExtensionApplication.State(state).label,
                url=reverse("renewal:extension"),
                submitted_on=timezone.localdate(submitted_at),
                detail=detail,
            )
