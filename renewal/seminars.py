"""The members' seminar lists as single queries (guide 5 and 6).

Each list is one ``QuerySet`` whose rows carry everything the page prints, so that a page
costs a count and one SELECT whatever its number of rows: the open list annotates each session
with its live registrations and whether this member holds one (both correlated subqueries
evaluated for the page's rows only); the participation list selects the session, seminar and
invoice with each registration.
"""

from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Now

from .models import Registration, Session, WaitlistEntry


def _filter_seminars(queryset, *, prefix, title="", date_from=None, date_to=None):
    if title:
        queryset = queryset.filter(**{f"{prefix}title__icontains": title})
    if date_from:
        queryset = queryset.filter(**{f"{prefix}starts_on__gte": date_from})
    if date_to:
        queryset = queryset.filter(**{f"{prefix}starts_on__lte": date_to})
    return queryset


def open_sessions(*, member, today, title="", date_from=None, date_to=None):
    """学会・セミナー一覧(申込受付中): sessions of published seminars whose application period
    includes ``today`` and that admit the member (members, or non-members for a guest),
    soonest seminar first.

    Each row has ``live_count`` (live registrations) and ``registered`` (this member's), and
    for the waiting list ``held_count`` (seats held by outstanding offers) and the member's live
    entry (``waitlist_entry_id``, ``waitlist_state``).
    The seminar filter matches the index on Seminar(published, application_closes_on,
    application_opens_on).
    """
    live = Registration.objects.filter(session=OuterRef("pk"), state=Registration.State.APPLIED)
    others_waiting = WaitlistEntry.objects.filter(
        session=OuterRef(OuterRef("pk")), state=WaitlistEntry.State.WAITING
    ).exclude(member=member)
    held = WaitlistEntry.objects.filter(session=OuterRef("pk"), state=WaitlistEntry.State.OFFERED).filter(
        Q(offer_expires_at__gt=Now()) | Q(Exists(others_waiting))
    )  # as seats.held_offers(against=member)
    mine = WaitlistEntry.objects.filter(
        session=OuterRef("pk"), member=member, state__in=WaitlistEntry.LIVE_STATES
    ).order_by()
    queryset = Session.objects.filter(
        seminar__published=True,
        seminar__application_closes_on__gte=today,
        seminar__application_opens_on__lte=today,
    )
    queryset = queryset.filter(guests_allowed=True) if member.is_guest else queryset.filter(members_allowed=True)
    queryset = _filter_seminars(queryset, prefix="seminar__", title=title, date_from=date_from, date_to=date_to)
    return (
        queryset.select_related("seminar")
        .annotate(
            live_count=Coalesce(
                Subquery(
                    live.order_by().values("session").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            registered=Exists(live.filter(member=member)),
            held_count=Coalesce(
                Subquery(
                    held.order_by().values("session").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            waitlist_entry_id=Subquery(mine.values("pk")[:1], output_field=IntegerField()),
            waitlist_state=Subquery(mine.values("state")[:1], output_field=CharField()),
        )
        .order_by("seminar__starts_on", "seminar_id", "sort_order", "pk")
    )


def participations(*, member, title="", date_from=None, date_to=None, include_attended=False):
    """学会・セミナー参加一覧: the member's registrations, not cancelled, latest seminar first."""
    queryset = Registration.objects.filter(member=member, state=Registration.State.APPLIED)
    if not include_attended:
        queryset = queryset.filter(attended_at__isnull=True)
    queryset = _filter_seminars(
        queryset, prefix="session__seminar__", title=title, date_from=date_from, date_to=date_to
    )
    return queryset.select_related("session__seminar", "invoice").order_by(
        "-session__seminar__starts_on", "-applied_at", "-pk"
    )
