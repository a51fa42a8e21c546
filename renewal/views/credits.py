"""受講履歴ポイント照会 (guide 9): the member's credits, their standing for renewal, and the PDF.

The summary (per category ``earned / cap``, 総得点, 更新可 / 更新不可) is always the current
cycle's, as renewal decides on it; the table below it shows the credits of the chosen fiscal
years (表示年度), and credits from before the current cycle only when the member asks for them
(前回更新以前の受講履歴を含める). A member sees their own credits only.
"""

from dataclasses import dataclass

from django.db.models import Max, Min
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.dates import fiscal_year_of
from core.pdf import render_pdf
from membership.shell import members_area

from .. import certificates
from .. import credits as credit_rules
from ..models import Credit

PDF_FILENAME = "credits-{number}-{day:%Y%m%d}.pdf"


@dataclass(frozen=True)
class CreditFilter:
    """What the table shows: fiscal years ``first_year`` .. ``last_year`` and whether earlier cycles count."""

    first_year: int
    last_year: int
    include_previous: bool
    year_choices: tuple[int, ...]

    def query_string(self):
        query = f"from={self.first_year}&to={self.last_year}"
        return query + ("&previous=1" if self.include_previous else "")


def _year(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def credit_filter(params, evaluation, earliest, latest, today):
    """The table's filter from the query string, defaulting to the current cycle's fiscal years.

    The checkbox form also carries what the page showed before (``shown_previous``): ticking or
    unticking the box moves the first year to the new default (the earliest credit's year, or the
    cycle's first year), so the change shows at once without touching the year selectors.
    """
    include_previous = params.get("previous") == "1" or not evaluation.has_cycle
    known_days = [day for day in (earliest, latest, today, evaluation.cycle_start, evaluation.cycle_end) if day]
    first_possible = fiscal_year_of(min(known_days))
    last_possible = fiscal_year_of(max(known_days))
    if evaluation.has_cycle:
        cycle_first = fiscal_year_of(evaluation.cycle_start)
        cycle_last = fiscal_year_of(evaluation.cycle_end)
        if not include_previous:
            first_possible = cycle_first
    else:
        cycle_first, cycle_last = first_possible, last_possible
    default_first = first_possible if include_previous else cycle_first

    toggled = "shown_previous" in params and (params.get("shown_previous") == "1") != include_previous
    first = None if toggled else _year(params.get("from"))
    last = _year(params.get("to"))
    first = default_first if first is None else min(max(first, first_possible), last_possible)
    last = cycle_last if last is None else min(max(last, first_possible), last_possible)
    if last < first:
        first, last = last, first
    return CreditFilter(
        first_year=first,
        last_year=last,
        include_previous=include_previous,
        year_choices=tuple(range(first_possible, last_possible + 1)),
    )


def credit_page_data(member, params, today=None, *, request=None):
    """Everything the page and the PDF print, in a constant number of queries (the renewal
    settings from the cache when ``request`` is given: this is what a page shows)."""
    today = today or timezone.localdate()
    evaluation = credit_rules.evaluate(member, today=today, request=request)
    own_credits = Credit.objects.filter(member=member)
    bounds = own_credits.aggregate(earliest=Min("earned_on"), latest=Max("earned_on"))
    chosen = credit_filter(params, evaluation, bounds["earliest"], bounds["latest"], today)

    shown_from, shown_to = credit_rules.fiscal_year_range(chosen.first_year, chosen.last_year)
    if evaluation.has_cycle and not chosen.include_previous:
        shown_from = max(shown_from, evaluation.cycle_start)
    rows = [
        CreditRow(**values)
        for values in own_credits.filter(earned_on__gte=shown_from, earned_on__lte=shown_to)
        .order_by("earned_on", "pk")
        .values(*CreditRow.FIELDS)
    ]
    return {
        "member": member,
        "evaluation": evaluation,
        "filter": chosen,
        "rows": rows,
        "shown_points": sum(row.points for row in rows),
        "today": today,
    }


class CreditRow:
    """One line of the table, from one row of ``FIELDS`` (plain values: a page or PDF of many
    credits builds no model instances); a certificate credit prints its own title, organizer
    and venue."""

    FIELDS = (
        "points", "earned_on", "session_id", "source", "title", "organizer", "venue", "credit_category__name",
        "session__title", "session__lecture_kind__name", "session__seminar__title", "session__seminar__organizer",
        "session__seminar__venue", "session__seminar__onsite", "session__seminar__elearning",
    )  # fmt: skip

    def __init__(self, **values):
        self.points = values["points"]
        self.earned_on = values["earned_on"]
        self.session_id = values["session_id"]
        self.category = values["credit_category__name"]
        self.is_certificate = self.session_id is None
        if self.is_certificate:
            self.session_title = Credit.Source(values["source"]).label
            self.seminar_title = values["title"]
            self.organizer = values["organizer"]
            self.venue = values["venue"]
            self.lecture_kind = ""
        else:
            self.session_title = values["session__title"]
            self.seminar_title = values["session__seminar__title"]
            self.organizer = values["session__seminar__organizer"]
            venue = values["session__seminar__venue"]
            if not venue and values["session__seminar__elearning"] and not values["session__seminar__onsite"]:
                venue = "e-learning"
            self.venue = venue
            self.lecture_kind = values["session__lecture_kind__name"] or ""


@members_area(guest_members=False)
@require_GET
def credits(request):
    """受講履歴ポイント照会, with the way to renewal for a member short of points."""
    member = request.user.member
    data = credit_page_data(member, request.GET, request=request)
    data["way"] = credit_rules.way_to_renewal(member=member, evaluation=data["evaluation"], today=data["today"])
    # 出席証明書 for the credits of sessions the member's registration was marked attended for.
    attended = certificates.attended_registrations(
        member=member, session_ids=[row.session_id for row in data["rows"] if row.session_id]
    )
    for row in data["rows"]:
        row.certificate_registration_id = attended.get(row.session_id)
    return render(request, "renewal/credits.html", data)


@members_area(guest_members=False)
@require_GET
def credits_pdf(request):
    """受講履歴ポイント出力: the page's summary and table (same filter) as a PDF."""
    member = request.user.member
    data = credit_page_data(member, request.GET, request=request)
    data["printed_at"] = timezone.localtime()
    pdf = render_pdf("pdf/credits.html", data, what="受講履歴ポイント")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = PDF_FILENAME.format(number=member.member_number, day=data["today"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
