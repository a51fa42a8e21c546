"""参加済 (attendance) and the credit it gives: the one owner of the rule.

Three ways in, one rule and one writer:

- ``mark_attended``: one registration (the admin's 「参加済にする」 on a row or its inspect page);
  refused (``AttendanceError``) when it is cancelled or already attended;
- ``mark_attended_bulk(registration_ids=...)``: the registrations staff selected in the admin
  listing; those cancelled or marked meanwhile are left alone;
- ``mark_attended_bulk(attendances=...)``: the rows of an attendance sheet (出席者取込,
  ``imports.kinds.attendance``); a row is a fact (the member attended the session), so it gives
  its credit even when the member has no registration to mark.

The rule:

- attendance is only for a session held: its date (``Session.date``) is today or before, in
  Asia/Tokyo (``not_held_refusal``; the attendance import refuses such rows with it, staff's
  marking is refused with it, and the writer refuses a credit for a later date);
- a registration is marked attended only while it is live (申込済) and not attended yet, checked
  again under a row lock; a sheet may also record its 参加形態;
- attendance gives the member the session's credit (its points, credit category and date) once
  per member and session. The unique constraint ``credit_one_per_member_session`` decides, with
  ``INSERT … ON CONFLICT DO NOTHING`` (``core.bulk.insert_new_rows``: on PostgreSQL a COPY
  straight into the table, or if a key is taken, into a temporary table first), so a credit awarded meanwhile by another request or import is neither
  doubled nor an error. Staff marking gives source 参加確認, a sheet 出席者取込;
- every registration marked gets one history entry ``renewal.registration.attended`` with the
  acting user and how (``via``): staff marking says whether the credit was created, the import
  names its job and row (and the 参加形態 it replaced). An import also leaves its job number on
  the credits it created (``Credit.import_job``) and the registrations it marked
  (``Registration.attended_import_job``), for review and for its undo (``attendance_undo``).

A sheet of 100,000 rows costs a few queries per 2,000 rows (lock, update, insert, log entries).
"""

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import get_active_log_context
from wagtail.models import ModelLogEntry

from core.bulk import insert_new_rows
from core.errors import DomainError

from .models import Credit, Registration, Session

ATTENDED_ACTION = "renewal.registration.attended"
# How a registration was marked (the history says it in words: admin/registrations.py).
ADMIN, BULK, IMPORT = "admin", "bulk", "import"
DESK = "desk"  # the check-in desk (受付, renewal.checkin)

CHUNK = 2000
LOG_BATCH = 1000
LABEL_LENGTH = 255  # ModelLogEntry.label


class AttendanceError(DomainError):
    """A registration that cannot be marked attended; the message says why."""


class Attendance(NamedTuple):
    """One attendance: ``member_id`` at ``session_id``; ``registration_id`` the member's live
    registration for the session, to be marked attended (with ``participation_format`` when
    given). ``row`` (the sheet's row number) and ``label`` go into the history entry."""

    member_id: int | None
    session_id: int | None
    registration_id: int | None = None
    participation_format: str = ""
    row: int | None = None
    label: str = ""


@dataclass
class Marked:
    """What a call changed: the credits it created and the registrations it marked."""

    credited: set = field(default_factory=set)  # {(member id, session id)}
    marked: set = field(default_factory=set)  # {registration id}
    at: datetime.datetime | None = None  # the registrations' attended_at, the entries' timestamp


def not_held_refusal(session_date, *, today=None):
    """Why attendance at a session on ``session_date`` cannot be recorded yet (a Japanese
    sentence), or '' once the day has come (Asia/Tokyo): a credit is only for a session held."""
    today = today or timezone.localdate()
    if session_date is not None and session_date > today:
        return (
            f"開催日({session_date:%Y/%m/%d})がまだ来ていないセッションです。参加済・受講履歴は開催日から登録できます"
            "(開催日が違う場合は、セッションの開催日を直してください)。"
        )
    return ""


def _held(today):
    """Registrations of sessions held by ``today`` (Session.date: the session's day, else the seminar's)."""
    return Q(session__held_on__lte=today) | Q(session__held_on=None, session__seminar__starts_on__lte=today)


def attended_refusal(registration):
    """Why ``registration`` cannot be marked attended (a Japanese sentence), or ''."""
    if registration.state != Registration.State.APPLIED:
        return "取消された参加申込は参加済にできません。"
    if registration.attended_at is not None:
        return f"この参加申込は{timezone.localtime(registration.attended_at):%Y/%m/%d %H:%M}に参加済になっています。"
    return not_held_refusal(registration.session.date)


def lockable():
    """Registrations as ``mark_attended`` reads them, locked until the caller's transaction ends:
    a row read so may be given to it as ``locked`` (the check-in desk: one read per scan)."""
    return Registration.objects.select_for_update(of=("self",)).select_related("member", "session__seminar")


def mark_attended(*, registration_id=None, user=None, via=ADMIN, registration=None, locked=None):
    """参加済 for one registration, with its credit and history entry; ``registration`` (the
    row) may be given instead of its id, or ``locked``: the row read from ``lockable()`` in the
    caller's transaction. Returns the registration, with ``credit_created``.

    A refusal (``AttendanceError``) is raised before anything is written, so that with ``locked``
    the writes go into the caller's transaction without a savepoint of their own."""
    if locked is not None:
        return _mark_one(locked, user=user, via=via)
    pk = registration.pk if registration_id is None else registration_id
    with transaction.atomic():
        return _mark_one(lockable().filter(pk=pk).first(), user=user, via=via)


def _mark_one(registration, *, user, via):
    if registration is None:
        raise Registration.DoesNotExist
    refusal = attended_refusal(registration)
    if refusal:
        raise AttendanceError(refusal)
    item = Attendance(registration.member_id, registration.session_id, registration.pk, label=str(registration))
    session = registration.session
    with transaction.atomic(savepoint=False):  # the session's date as checked above: no refusal from here on
        done = _record(
            [item], user=user, via=via, sheet=False,
            locked={registration.pk: (registration.member_id, session.pk, registration.participation_format)},
            sessions={session.pk: (session.credit_category_id, session.points, session.date)},
        )  # fmt: skip
    registration.attended_at = done.at
    registration.credit_created = (registration.member_id, registration.session_id) in done.credited
    return registration


@transaction.atomic
def mark_attended_bulk(*, user, via=BULK, registration_ids=None, attendances=None, import_job=None):
    """参加済 for many at once, in one transaction: either ``registration_ids`` (registrations
    staff selected: those still live and unattended are marked, each with its credit) or
    ``attendances`` (``Attendance`` rows of a sheet: each gives its credit, and marks its
    registration if that is still live and unattended; ``import_job`` goes into the history).
    Returns ``Marked``."""
    if (registration_ids is None) == (attendances is None):
        raise TypeError("mark_attended_bulk takes registration_ids or attendances")
    if attendances is not None:
        return _record(list(attendances), user=user, via=via, sheet=True, import_job=import_job)
    items = [Attendance(None, None, pk) for pk in dict.fromkeys(registration_ids)]
    return _record(items, user=user, via=via, sheet=False)


def award_credit(*, member, session, source):
    """The member's credit for ``session``, created once. Returns (credit, created).

    A credit as a fact (set-up and repairs): the session's date is not checked. Attendance goes
    through ``mark_attended`` / ``mark_attended_bulk``, which refuse a session not held yet."""
    credited = _award([(member.pk, session.pk)], source=source, now=timezone.now(), import_job=None)
    return Credit.objects.get(member=member, session=session), bool(credited)


# --- the one writer ------------------------------------------------------------------------------


def _record(items, *, user, via, sheet, import_job=None, locked=None, sessions=None):
    """``locked``: the items' registrations already locked and checked by the caller (as ``_lock``
    finds them), ``sessions``: their sessions as ``_award`` reads them; each saves a query."""
    now = timezone.now()
    found = _mark(items, now, import_job, locked=locked)
    if not sheet:  # registrations staff chose: no credit for one left alone (cancelled or marked meanwhile)
        kept = []
        for item in items:
            if item.registration_id in found:
                member_id, session_id, _format = found[item.registration_id]
                kept.append(item._replace(member_id=member_id, session_id=session_id))
        items = kept
    source = Credit.Source.IMPORT if via == IMPORT else Credit.Source.ATTENDANCE
    pairs = [(item.member_id, item.session_id) for item in items]
    credited = _award(pairs, source=source, now=now, import_job=import_job, held_only=True, sessions=sessions)
    _log(items, found, credited, user=user, via=via, import_job=import_job, now=now)
    return Marked(credited=credited, marked=set(found), at=now)


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _mark(items, now, import_job=None, locked=None):
    """Lock the items' registrations (unless ``locked``), mark those still live, unattended and of
    a session held; {id: (member id, session id, 参加形態 before)}."""
    by_pk = {item.registration_id: item for item in items if item.registration_id is not None}
    found = _lock(by_pk, now) if locked is None else locked
    by_format = defaultdict(list)
    for pk in found:
        by_format[by_pk[pk].participation_format].append(pk)
    for participation_format, pks in by_format.items():
        changes = {"attended_at": now, "attended_import_job": import_job}
        if participation_format:
            changes["participation_format"] = participation_format
        for chunk in _chunks(pks):
            Registration.objects.filter(pk__in=chunk).update(**changes)
    return found


def _lock(by_pk, now):
    """Lock the registrations ``by_pk`` (ids) still live, unattended and of a session held;
    {id: (member id, session id, 参加形態 before)}."""
    today = timezone.localdate(now)
    found = {}
    for chunk in _chunks(sorted(by_pk)):
        rows = (
            Registration.objects.select_for_update(of=("self",))
            .filter(_held(today), pk__in=chunk, state=Registration.State.APPLIED, attended_at=None)
            .order_by("pk")
            .values_list("pk", "member_id", "session_id", "participation_format")
        )
        found.update((pk, (member_id, session_id, old)) for pk, member_id, session_id, old in rows)
    return found


def _award(pairs, *, source, now, import_job, held_only=False, sessions=None):
    """Insert the credits of (member id, session id) ``pairs`` not there yet; the pairs inserted.
    ``held_only``: refuse them all (``AttendanceError``) if a session's date has not come yet.
    ``sessions``: {id: (credit category id, points, date)} of the pairs' sessions, if read already."""
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return set()
    sessions = dict(sessions or {})
    missing = {session_id for _member_id, session_id in pairs} - set(sessions)
    for chunk in _chunks(sorted(missing)):
        for pk, category_id, points, held_on, starts_on in Session.objects.filter(pk__in=chunk).values_list(
            "pk", "credit_category_id", "points", "held_on", "seminar__starts_on"
        ):
            sessions[pk] = (category_id, points, held_on or starts_on)  # Session.date
    today = timezone.localdate(now)
    credit_of = {}  # session id → the credit it gives, but for the member (one dict copied per pair)
    for session_id in dict.fromkeys(session_id for _member_id, session_id in pairs):
        category_id, points, earned_on = sessions[session_id]
        refusal = not_held_refusal(earned_on, today=today) if held_only else ""
        if refusal:  # the callers check first; a session's date changed meanwhile
            raise AttendanceError(refusal)
        credit_of[session_id] = {
            "member_id": None,
            "session_id": session_id,
            "credit_category_id": category_id,
            "points": points,
            "earned_on": earned_on,
            "source": source,
            "title": "",
            "organizer": "",
            "venue": "",
            "note": "",
            "import_job": import_job,
            "created_at": now,
        }
    rows = [{**credit_of[session_id], "member_id": member_id} for member_id, session_id in pairs]
    return insert_new_rows(Credit, rows, key=("member_id", "session_id"))


def _log(items, found, credited, *, user, via, import_job, now):
    """One history entry per registration marked, written in batches."""
    context = get_active_log_context()
    user = user or context.user
    by_pk = {item.registration_id: item for item in items if item.registration_id in found}
    missing = [pk for pk, item in by_pk.items() if not item.label]
    labels = {}
    for chunk in _chunks(missing):
        rows = Registration.objects.filter(pk__in=chunk).select_related("member", "session__seminar")
        labels.update((registration.pk, str(registration)) for registration in rows)
    content_type = ContentType.objects.get_for_model(Registration)
    entries = []
    for pk in sorted(by_pk):
        item = by_pk[pk]
        data = {"via": via}
        if import_job is not None:
            data.update(import_job=import_job, row=item.row)
            before = found[pk][2]
            if item.participation_format and item.participation_format != before:
                data["format_before"] = before  # what the import's undo puts back
        else:
            data["credit_created"] = (item.member_id, item.session_id) in credited
        entries.append(
            ModelLogEntry(
                content_type=content_type,
                object_id=str(pk),
                label=(item.label or labels[pk])[:LABEL_LENGTH],
                action=ATTENDED_ACTION,
                data=data,
                timestamp=now,
                uuid=context.uuid or uuid.uuid4(),
                user_id=user.pk if user is not None else None,
            )
        )
    for start in range(0, len(entries), LOG_BATCH):
        ModelLogEntry.objects.bulk_create(entries[start : start + LOG_BATCH])
