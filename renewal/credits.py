"""Credits (受講履歴・点数): what they add up to for renewal.

Credits are awarded from attendance by ``renewal.attendance`` (a session counts once per
member), or typed in from paper certificates by staff (admin/credits.py).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone

from core.dates import add_months

from .models import Credit
from .registrations import member_refusal, registration_refusal
from .seminars import open_sessions, with_seats

# --- Evaluation: what the credits of the current cycle add up to (guide 9) --------------------
#
# The current cycle of a member is (expiry − cycle_years years, expiry]: expiry 2028-03-31 gives
# 2023-04-01 .. 2028-03-31. Each credit category counts at most its cap; the counted total must
# reach RenewalSettings.required_points. Caps and the required points are read from the data.

NO_CYCLE_MESSAGE = "認定情報(認定有効期限)がありません。更新条件を評価できません。"


def years_before(day, years):
    """``day`` moved back ``years`` years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def cycle_of(expires_on, cycle_years):
    """(first day, last day) of the cycle ending on ``expires_on``; (None, None) without expiry."""
    if expires_on is None:
        return None, None
    return years_before(expires_on, cycle_years) + datetime.timedelta(days=1), expires_on


def fiscal_year_range(first_year, last_year):
    """(first day, last day) of fiscal years ``first_year`` .. ``last_year``."""
    return datetime.date(first_year, 4, 1), datetime.date(last_year + 1, 3, 31)


@dataclass(frozen=True)
class CategoryTotal:
    """One credit category's line: 技師学会・研究会: 40 / 20点 ※総得点加算上限: 20点."""

    category_id: int
    name: str
    earned: int
    cap: int

    @property
    def counted(self):
        return min(self.earned, self.cap)

    @property
    def room(self):
        """Points this category can still add to 総得点: none once it has reached its cap."""
        return max(self.cap - self.earned, 0)

    @property
    def full(self):
        return self.room == 0

    def adds(self, points):
        """What ``points`` more in this category add to 総得点: only up to the cap."""
        return min(points, self.room)


@dataclass(frozen=True)
class Evaluation:
    """A member's standing in the current cycle. Without an expiry there is no cycle."""

    member_id: int
    expires_on: datetime.date | None
    cycle_start: datetime.date | None
    cycle_end: datetime.date | None
    categories: tuple[CategoryTotal, ...]
    required: int
    today: datetime.date

    @property
    def has_cycle(self):
        return self.expires_on is not None

    @property
    def total(self):
        """総得点: the sum of every category's points up to its cap."""
        return sum(category.counted for category in self.categories)

    @property
    def earned(self):
        """Points earned in the cycle before caps."""
        return sum(category.earned for category in self.categories)

    @property
    def shortfall(self):
        return max(self.required - self.total, 0) if self.has_cycle else None

    @property
    def eligible(self):
        return self.has_cycle and self.total >= self.required

    @property
    def status_label(self):
        if not self.has_cycle:
            return NO_CYCLE_MESSAGE
        return "更新可" if self.eligible else "更新不可"

    def expires_within_months(self, months):
        """True when the certification ends between today and ``months`` months from today."""
        return self.has_cycle and self.today <= self.expires_on <= add_months(self.today, months)


def _rules():
    """(categories in display order, required points, cycle years): two queries."""
    from .models import CreditCategory, RenewalSettings

    rules = RenewalSettings.load()
    return list(CreditCategory.objects.order_by("sort_order", "pk")), rules.required_points, rules.cycle_years


def _evaluation(member_id, expires_on, earned_by_category, categories, required, cycle_years, today):
    cycle_start, cycle_end = cycle_of(expires_on, cycle_years)
    return Evaluation(
        member_id=member_id,
        expires_on=expires_on,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        categories=tuple(
            CategoryTotal(
                category_id=category.pk,
                name=category.name,
                earned=earned_by_category.get(category.pk, 0),
                cap=category.cap,
            )
            for category in categories
        ),
        required=required,
        today=today,
    )


def evaluate(member, *, today=None, request=None):
    """The member's Evaluation for the cycle ending on their certification expiry.

    One query, the member's points of the cycle summed per category (the index on
    Credit(member, earned_on) serves it), beside the settings and the categories: from the
    cache for a page (``request`` given), read for a service applying the rules (two more).
    """
    from .models import CreditCategory, RenewalSettings

    today = today or timezone.localdate()
    rules = RenewalSettings.load(request_or_site=request)
    categories = CreditCategory.in_order(request)
    cycle_start, cycle_end = cycle_of(member.certification_expires_on, rules.cycle_years)
    earned = {}
    if cycle_start is not None:
        earned = dict(
            Credit.objects.filter(member=member, earned_on__gte=cycle_start, earned_on__lte=cycle_end)
            .order_by()
            .values_list("credit_category")
            .annotate(points=Sum("points"))
        )
    return _evaluation(
        member.pk, member.certification_expires_on, earned, categories, rules.required_points, rules.cycle_years, today
    )


def _date_key(expression, years=0):
    """A date as the integer YYYYMMDD (its year moved on ``years``), portable across databases.

    Comparing ``key(earned_on, +N) > key(expiry)`` is "earned_on > expiry − N years" with
    29 February treated as ``years_before`` does, on SQLite and PostgreSQL alike.
    """
    return (
        (ExtractYear(expression) + Value(years)) * Value(10000)
        + ExtractMonth(expression) * Value(100)
        + ExtractDay(expression)
    )


def evaluate_many(members, *, today=None):
    """{member id: Evaluation} for many members, with one aggregate query over their credits.

    ``members`` is a Member queryset or an iterable of member ids. The credits are summed per
    member and category in the database, each member's cycle applied in SQL through a join on
    the member's expiry date; no query per member.
    """
    from membership.models import Member

    today = today or timezone.localdate()
    categories, required, cycle_years = _rules()
    if isinstance(members, QuerySet):
        member_rows = members.order_by().values_list("pk", "certification_expires_on")
    else:
        member_rows = Member.objects.filter(pk__in=list(members)).values_list("pk", "certification_expires_on")
    expiries = dict(member_rows)

    earned = defaultdict(dict)
    totals = (
        Credit.objects.filter(member_id__in=member_rows.values("pk"), member__certification_expires_on__isnull=False)
        .annotate(
            earned_key=_date_key(F("earned_on"), cycle_years),
            expiry_key=_date_key(F("member__certification_expires_on")),
        )
        .filter(earned_on__lte=F("member__certification_expires_on"), earned_key__gt=F("expiry_key"))
        .values_list("member_id", "credit_category_id")
        .annotate(points=Sum("points"))
        .order_by()
    )
    for member_id, category_id, points in totals:
        earned[member_id][category_id] = points
    return {
        member_id: _evaluation(
            member_id, expires_on, earned.get(member_id, {}), categories, required, cycle_years, today
        )
        for member_id, expires_on in expiries.items()
    }


# --- The way to renewal: open sessions that would close the gap (guide 9) ------------------------
#
# For a member short of the required points, each category with room under its cap lists the
# sessions the member could apply for now (renewal.registrations decides who may apply for
# what), held within the current cycle (a credit counts in the cycle of its date), soonest
# first, each with the points it would add: its points up to the category's room. A category at
# its cap gets no suggestions, since nothing more of it counts.

SUGGESTIONS_PER_CATEGORY = 5


@dataclass(frozen=True)
class SuggestedSession:
    session: object  # a Session with its seminar, ``session_date`` and ``seats``
    adds: int  # points it would add to 総得点, within the category's cap
    closes_gap: bool  # attending it alone would meet the required points

    @property
    def beyond_cap(self):
        """Points of the session that would not count (the category's cap)."""
        return self.session.points - self.adds


@dataclass(frozen=True)
class CategoryWay:
    category: CategoryTotal
    sessions: tuple[SuggestedSession, ...]


@dataclass(frozen=True)
class WayToRenewal:
    """What the member can do about a shortfall: a way per category with room, the full ones,
    or why the member cannot apply for seminars now (``refusal``)."""

    shortfall: int
    ways: tuple[CategoryWay, ...]
    full: tuple[CategoryTotal, ...]
    refusal: str | None = None

    @property
    def any_session(self):
        return any(way.sessions for way in self.ways)


def way_to_renewal(*, member, evaluation, today=None, per_category=SUGGESTIONS_PER_CATEGORY):
    """The WayToRenewal of a member short of points (None when eligible or without a cycle):
    two queries (the open sessions of the cycle in the categories with room that the member has
    no credit of, and their seats), however many credits the member has. The open sessions
    are those of seminars taking applications today: a short list, read whole, so that every
    category gets its ``per_category`` sessions after ``registration_refusal`` has had its say."""
    if not evaluation.has_cycle or evaluation.eligible:
        return None
    today = today or evaluation.today
    with_room = [category for category in evaluation.categories if not category.full]
    full = tuple(category for category in evaluation.categories if category.full)
    refusal = member_refusal(member)
    if refusal or not with_room:
        return WayToRenewal(evaluation.shortfall, tuple(CategoryWay(c, ()) for c in with_room), full, refusal)

    sessions = list(
        open_sessions(member=member, today=today)
        .filter(credit_category_id__in=[category.category_id for category in with_room], points__gt=0)
        .annotate(session_date=Coalesce("held_on", "seminar__starts_on"))
        .filter(session_date__gte=evaluation.cycle_start, session_date__lte=evaluation.cycle_end)
        .exclude(Exists(Credit.objects.filter(member=member, session=OuterRef("pk"))))
        .order_by("session_date", "seminar__starts_on", "seminar_id", "sort_order", "pk")
    )
    by_category = defaultdict(list)
    for session in with_seats(sessions, member=member):
        suggested = by_category[session.credit_category_id]
        if len(suggested) < per_category and not registration_refusal(
            member=member, session=session, today=today, seats=session.seats
        ):
            suggested.append(session)
    ways = []
    for category in with_room:
        suggested = []
        for session in by_category[category.category_id]:
            adds = category.adds(session.points)
            suggested.append(SuggestedSession(session=session, adds=adds, closes_gap=adds >= evaluation.shortfall))
        ways.append(CategoryWay(category, tuple(suggested)))
    return WayToRenewal(evaluation.shortfall, tuple(ways), full)
