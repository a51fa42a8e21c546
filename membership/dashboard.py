"""This app's panels on the dashboard (``membership.shell`` registry): unpaid invoices, the
applications in progress (every app's, through ``applications_in_progress``) and the latest
notices. Each panel costs a fixed number of queries, whatever the member's history.
"""

from django.urls import reverse
from django.utils import timezone

from cms_pages.models import NoticePage, latest_notices_for_members

from .applications import KIND_URL_NAMES, pending_application
from .models import Invoice
from .shell import (
    ApplicationInProgress,
    application_in_progress,
    applications_in_progress,
    dashboard_panel,
    request_cached,
)

# How many rows a panel lists; the panel's link leads to the rest.
UNPAID_ROWS = 5
LATEST_NOTICES = 3


def request_unpaid_invoices(request, member):
    """The member's unpaid invoices (dues, renewal fees, seminar fees), oldest first: one query
    per request, shared by the unpaid-dues notice and the panel."""

    def unpaid():
        invoices = Invoice.objects.filter(member_id=member.pk, status=Invoice.Status.UNPAID)
        # Only the columns the notice and the panels show.
        invoices = invoices.only("category", "fiscal_year", "amount", "purpose")
        return list(invoices.order_by("fiscal_year", "created_at", "pk"))

    return request_cached(request, "unpaid_invoices", unpaid)


def request_pending_application(request, member):
    """``applications.pending_application`` once per request (the notice and the panel)."""
    return request_cached(request, "pending_application", lambda: pending_application(member))


@dashboard_panel("unpaid", template="membership/dashboard/unpaid.html", order=30, guests=True)
def unpaid_invoices_panel(request, member):
    """未納の請求: dues, renewal fees and seminar fees not paid yet, oldest first, with the total."""
    if member is None:
        return None
    unpaid = request_unpaid_invoices(request, member)
    return {
        "invoices": unpaid[:UNPAID_ROWS],
        "count": len(unpaid),
        "total": sum(invoice.amount for invoice in unpaid),
        "more": max(len(unpaid) - UNPAID_ROWS, 0),
    }


@dashboard_panel("applications", template="membership/dashboard/applications.html", order=50)
def applications_panel(request, member):
    """申請中の手続き: leave / return / withdrawal here, renewal and extension from renewal."""
    return {"applications": applications_in_progress(request, member)}


@application_in_progress
def membership_application(request, member):
    application = request_pending_application(request, member)
    if application is None:
        return
    if application.state == application.State.SUBMITTED:
        state = "事務局確認中"
    else:
        state = f"承認済({application.effective_on_label} {application.effective_on:%Y年%-m月%-d日})"
    yield ApplicationInProgress(
        label=application.get_kind_display(),
        state=state,
        url=reverse(KIND_URL_NAMES[application.kind]),
        submitted_on=timezone.localdate(application.submitted_at),
    )


@dashboard_panel("notices", template="membership/dashboard/notices.html", order=90, guests=True)
def notices_panel(request, member):
    """The latest notices: public and members-only ones for a member, public ones for a guest."""
    if request.user.kind != request.user.Kind.GUEST:
        return {"notices": latest_notices_for_members(LATEST_NOTICES)}
    # Only what the panel shows and its link needs: a whole Wagtail page costs ten times more to build.
    notices = NoticePage.objects.for_anyone().only("title", "date", "members_only", "url_path", "path")
    return {"notices": list(notices.order_by("-date", "-pk")[:LATEST_NOTICES])}
