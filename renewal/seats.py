"""Who holds a session's seats: live registrations, and seats offered from the waiting list.

An offer (``renewal.waiting_list``) holds its seat until it is answered or its deadline passes;
past the deadline, while anyone else waits, it still holds against everybody but the next in
line, so that the sweep (``waiting_list.sweep``, every 15 minutes) passes the seat to the next
in line and not to whoever registers first meanwhile. The member list page
(``renewal.seminars.open_sessions``) counts the same in its annotations.
"""

from django.db import connection
from django.db.models import Exists, Q
from django.utils import timezone

from .models import Registration, WaitlistEntry


def held_offers(session, *, now=None, against=None):
    """Outstanding seat offers of ``session``'s waiting list: each holds a seat until answered or expired.
    ``against``: those keeping that member from a seat: others' offers, an expired one too while
    anyone else waits (the sweep passes that seat to the next in line, not to the first comer)."""
    offers = WaitlistEntry.objects.filter(session=session, state=WaitlistEntry.State.OFFERED)
    open_offer = Q(offer_expires_at__gt=now or timezone.now())
    if against is None:
        return offers.filter(open_offer)
    waiting = WaitlistEntry.objects.filter(session=session, state=WaitlistEntry.State.WAITING).exclude(member=against)
    return offers.exclude(member=against).filter(open_offer | Q(Exists(waiting)))


def seat_counts(session, *, member):
    """(live registrations, the member's live ones, seats held by offers to others (``held_offers``
    with ``against``), registrations of any state, whether the member is in the waiting list) of
    ``session`` in one statement.

    Plain SQL: ``register`` runs it under the session lock, and the ORM's subquery expressions
    cost more Python time than the whole statement (the registrations benchmark).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COUNT(*) FILTER (WHERE state = %s),
                   COUNT(*) FILTER (WHERE state = %s AND member_id = %s),
                   (SELECT COUNT(*) FROM {WaitlistEntry._meta.db_table}
                     WHERE session_id = %s AND state = %s AND member_id <> %s
                       AND (offer_expires_at > %s OR EXISTS(SELECT 1 FROM {WaitlistEntry._meta.db_table}
                             WHERE session_id = %s AND state = %s AND member_id <> %s))),
                   COUNT(*),
                   EXISTS(SELECT 1 FROM {WaitlistEntry._meta.db_table}
                           WHERE session_id = %s AND member_id = %s AND state IN (%s, %s))
              FROM {Registration._meta.db_table} WHERE session_id = %s
            """,
            [
                Registration.State.APPLIED,
                Registration.State.APPLIED,
                member.pk,
                session.pk,
                WaitlistEntry.State.OFFERED,
                member.pk,
                timezone.now(),
                session.pk,
                WaitlistEntry.State.WAITING,
                member.pk,
                session.pk,
                member.pk,
                *WaitlistEntry.LIVE_STATES,
                session.pk,
            ],
        )
        return cursor.fetchone()
