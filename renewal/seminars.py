"""The members' seminar lists (guide 5 and 6).

The open list is one ``QuerySet`` of sessions with their seminars, and one statement for who
holds the seats of the page's rows (``with_seats``, ``renewal.seats``), so that a page costs a
count, one SELECT and the seats whatever its number of rows; the participation list selects
the session, seminar and invoice with each registration.
"""

from .models import Registration, Session
from .seats import seats_of


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
    soonest seminar first, each with its seminar. ``with_seats`` adds who holds their seats.

    The seminar filter matches the index on Seminar(published, application_closes_on,
    application_opens_on).
    """
    queryset = Session.objects.filter(
        seminar__published=True,
        seminar__application_closes_on__gte=today,
        seminar__application_opens_on__lte=today,
    )
    queryset = queryset.filter(guests_allowed=True) if member.is_guest else queryset.filter(members_allowed=True)
    queryset = _filter_seminars(queryset, prefix="seminar__", title=title, date_from=date_from, date_to=date_to)
    return queryset.select_related("seminar").order_by("seminar__starts_on", "seminar_id", "sort_order", "pk")


def with_seats(sessions, *, member):
    """``sessions`` (a list), each with ``seats``: its ``seats.Seats`` for ``member`` (one query)."""
    seats = seats_of([session.pk for session in sessions], member=member)
    for session in sessions:
        session.seats = seats[session.pk]
    return sessions


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
