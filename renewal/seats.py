"""Who holds a session's seats: live registrations, and seats offered from the waiting list.

An offer (``renewal.waiting_list``) holds its seat until it is answered or its deadline passes;
past the deadline, while anyone else waits, it still holds against everybody but the next in
line, so that the sweep (``waiting_list.sweep``, every 15 minutes) passes the seat to the next
in line and not to whoever registers first meanwhile.

``seats_of`` is the one count of this for a member: the seminar list, the way to renewal,
``registration_refusal`` and ``register`` (under the session lock) all read it.
"""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from .models import Registration, Session, WaitlistEntry


@dataclass(frozen=True)
class Seats:
    """A session's seats as one member sees them."""

    live: int  # live registrations (the member's own included)
    registered: bool  # the member holds one of them
    held: int  # seats held by offers to others: before their deadline, or past it while anyone else waits
    total: int  # registrations of any state (the ticket numbers given so far)
    waitlist_entry_id: int | None = None  # the member's live waiting-list entry
    waitlist_state: str | None = None

    def full(self, capacity):
        """No seat left for the member: live registrations and held offers fill ``capacity``."""
        return capacity is not None and self.live + self.held >= capacity


def held_offers(session, *, now=None):
    """Outstanding seat offers of ``session``'s waiting list, each holding a seat until answered
    or expired: what the waiting list may still offer (``waiting_list.free_seats``). For a member
    applying, ``seats_of`` also counts an expired offer while anyone else waits."""
    offers = WaitlistEntry.objects.filter(session=session, state=WaitlistEntry.State.OFFERED)
    return offers.filter(offer_expires_at__gt=now or timezone.now())


def seats_of(session_ids, *, member, now=None):
    """{session id: ``Seats`` for ``member``} of ``session_ids``, in one statement.

    Plain SQL: ``register`` runs it under the session lock, and the list pages read it for every
    row; the ORM's correlated subquery expressions cost more Python time to build and compile than
    the statement takes to run (the registrations benchmark, the seminar list's profile)."""
    session_ids = list(dict.fromkeys(session_ids))
    if not session_ids:
        return {}
    registrations = Registration._meta.db_table
    entries = WaitlistEntry._meta.db_table
    applied, offered, waiting = Registration.State.APPLIED, WaitlistEntry.State.OFFERED, WaitlistEntry.State.WAITING
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.id,
                   (SELECT COUNT(*) FROM {registrations} r WHERE r.session_id = s.id AND r.state = %s),
                   EXISTS(SELECT 1 FROM {registrations} r
                           WHERE r.session_id = s.id AND r.state = %s AND r.member_id = %s),
                   (SELECT COUNT(*) FROM {entries} o
                     WHERE o.session_id = s.id AND o.state = %s AND o.member_id <> %s
                       AND (o.offer_expires_at > %s OR EXISTS(SELECT 1 FROM {entries} w
                             WHERE w.session_id = s.id AND w.state = %s AND w.member_id <> %s))),
                   (SELECT COUNT(*) FROM {registrations} r WHERE r.session_id = s.id),
                   e.id, e.state
              FROM {Session._meta.db_table} s
              LEFT JOIN {entries} e ON e.session_id = s.id AND e.member_id = %s AND e.state IN (%s, %s)
             WHERE s.id IN ({", ".join(["%s"] * len(session_ids))})
            """,
            [applied, applied, member.pk, offered, member.pk, now or timezone.now(), waiting, member.pk]
            + [member.pk, *WaitlistEntry.LIVE_STATES, *session_ids],
        )
        return {row[0]: Seats(row[1], bool(row[2]), row[3], row[4], row[5], row[6]) for row in cursor.fetchall()}


def seat_counts(session, *, member):
    """``Seats`` of one session for ``member``."""
    return seats_of([session.pk], member=member)[session.pk]
