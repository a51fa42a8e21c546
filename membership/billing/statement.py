"""会費支払い明細 (guide 4): the invoices a member's statement lists.

The page opens on what a member comes for: everything still to pay, whatever its year, and the
last ``RECENT_YEARS`` fiscal years (this year's dues, the receipts asked for at tax time). The
years before are one link away: after twenty years of membership the whole history was a
hundred and sixty lines on a phone (each row of the table becomes a card of eight lines there)
before the autopay panel below it, and it cost the page more to draw than everything else on it.
"""

from dataclasses import dataclass

from django.db.models import Prefetch

from core.dates import current_fiscal_year

from ..models import Invoice, Payment

RECENT_YEARS = 5


@dataclass(frozen=True)
class Statement:
    invoices: list  # newest year first, each with ``open_payments`` (its open gateway attempts)
    older: int  # invoices of earlier years left out (0 when the whole history is listed)
    since_year: int  # the first fiscal year listed in full


def statement(*, member, whole_history=False):
    """The member's invoices (not cancelled) for the statement, in one query and the open
    payments' prefetch: all of them, or the unpaid ones and those of the recent years."""
    invoices = list(
        Invoice.objects.filter(member=member)
        .exclude(status=Invoice.Status.CANCELLED)
        .prefetch_related(
            Prefetch(
                "payments", queryset=Payment.objects.filter(status__in=Payment.OPEN_STATUSES), to_attr="open_payments"
            )
        )
        .order_by("-fiscal_year", "category", "-created_at")
    )
    since_year = current_fiscal_year() - RECENT_YEARS + 1
    if whole_history:
        return Statement(invoices=invoices, older=0, since_year=since_year)
    shown = [invoice for invoice in invoices if invoice.fiscal_year >= since_year or invoice.is_unpaid]
    return Statement(invoices=shown, older=len(invoices) - len(shown), since_year=since_year)
