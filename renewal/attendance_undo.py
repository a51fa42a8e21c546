"""Undoing an attendance import (出席者取込の取消): the other half of ``renewal.attendance``.

An applied attendance sheet left its job number on the credits it created (``Credit.import_job``)
and on the registrations it marked attended (``Registration.attended_import_job``). Undoing it
deletes those credits and unmarks those registrations (putting back the 参加形態 the sheet
replaced, from the history entry it wrote), in one transaction, unless something was built on
them since. What blocks, per credit (named by member and session):

- a renewal application (事務局確認中, 申請確認完了 or 会員証発行済) submitted after the credit
  was created, whose cycle contains the credit's date: its points included the credit;
- the member's registration for that session marked attended by staff after the import: the
  credit is that attendance's credit now.

``undo_blockers`` lists them (the confirm page); ``undo_import`` locks the members, the
registrations and the credits, checks again and refuses with ``AttendanceUndoBlocked`` while
any is left. Every registration unmarked gets a history entry ``renewal.registration.
attendance_undone`` and every credit deleted ``renewal.credit.import_undone`` (on the deleted
row, so the site history keeps who, when and which job), both naming the job, as the import's
``renewal.registration.attended`` entries do. The job row itself is the caller's audit record.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from wagtail.log_actions import get_active_log_context
from wagtail.models import ModelLogEntry

from core.errors import DomainError
from membership.models import Member

from .attendance import ATTENDED_ACTION, CHUNK, LABEL_LENGTH, LOG_BATCH
from .credits import cycle_of
from .models import Credit, Registration, RenewalApplication, RenewalSettings

ATTENDANCE_UNDONE_ACTION = "renewal.registration.attendance_undone"
CREDIT_UNDONE_ACTION = "renewal.credit.import_undone"

# Renewal applications whose points count: a credit they counted cannot be taken back.
USING_STATES = (
    RenewalApplication.State.SUBMITTED,
    RenewalApplication.State.APPROVED,
    RenewalApplication.State.ISSUED,
)
CREDIT_COLUMNS = (
    "pk", "member_id", "session_id", "points", "earned_on", "created_at", "member__member_number",
    "member__family_name", "member__given_name", "session__title", "session__seminar__title",
)  # fmt: skip


class UndoBlocker(NamedTuple):
    """A credit of the import that cannot be taken back, and why (Japanese)."""

    member_number: str
    member_name: str
    session: str
    reason: str


class AttendanceUndoBlocked(DomainError):
    def __init__(self, blockers):
        super().__init__(f"取り消せない受講履歴が{len(blockers):,}件あります。")
        self.blockers = blockers


@dataclass(frozen=True)
class Undone:
    credits: int  # credits deleted
    registrations: int  # registrations unmarked


def import_counts(*, import_job):
    """(credits created, registrations marked attended) by the import that are still there."""
    return (
        Credit.objects.filter(import_job=import_job).count(),
        Registration.objects.filter(attended_import_job=import_job).count(),
    )


def undo_blockers(*, import_job):
    """[UndoBlocker] of the import's credits, in member number order: empty when it can be undone."""
    return _blockers(import_job, _credits(import_job))


@transaction.atomic
def undo_import(*, import_job, user):
    """Delete the credits ``import_job`` created and unmark the registrations it marked. Returns ``Undone``."""
    credits = _credits(import_job)
    marked = list(Registration.objects.filter(attended_import_job=import_job).order_by().values_list("pk", "member_id"))
    # Locks: the members first (a renewal application is submitted under its member's lock),
    # then the registrations and the credits.
    member_ids = sorted({row["member_id"] for row in credits} | {member_id for _pk, member_id in marked})
    for chunk in _chunks(member_ids):
        list(Member.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
    registration_ids = sorted(pk for pk, _member_id in marked)
    for chunk in _chunks(registration_ids):
        list(
            Registration.objects.select_for_update()
            .filter(pk__in=chunk, attended_import_job=import_job)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    for chunk in _chunks(sorted(row["pk"] for row in credits)):
        list(Credit.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
    credits = _credits(import_job)  # as they are under the locks
    blockers = _blockers(import_job, credits)
    if blockers:
        raise AttendanceUndoBlocked(blockers)
    now = timezone.now()
    restored = _unmark(import_job, registration_ids)
    for chunk in _chunks([row["pk"] for row in credits]):
        Credit.objects.filter(pk__in=chunk, import_job=import_job).delete()
    _log(import_job, registration_ids, restored, credits, user=user, now=now)
    return Undone(credits=len(credits), registrations=len(registration_ids))


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _credits(import_job):
    return list(Credit.objects.filter(import_job=import_job).order_by("pk").values(*CREDIT_COLUMNS))


def _blockers(import_job, credits):
    if not credits:
        return []
    cycle_years = RenewalSettings.load().cycle_years
    applications = defaultdict(list)
    for row in (
        RenewalApplication.objects.filter(
            state__in=USING_STATES, member_id__in=Credit.objects.filter(import_job=import_job).values("member_id")
        )
        .order_by("submitted_at")
        .values("member_id", "state", "expires_on", "submitted_at")
    ):
        applications[row["member_id"]].append(row)
    # Registrations for the same member and session marked attended by staff after the import.
    attended_since = set(
        Registration.objects.filter(
            Exists(
                Credit.objects.filter(
                    import_job=import_job,
                    member_id=OuterRef("member_id"),
                    session_id=OuterRef("session_id"),
                    created_at__lt=OuterRef("attended_at"),
                )
            ),
            attended_at__isnull=False,
        )
        .exclude(attended_import_job=import_job)
        .values_list("member_id", "session_id")
    )
    state_labels = dict(RenewalApplication.State.choices)
    blockers = []
    for credit in credits:
        reasons = []
        for application in applications.get(credit["member_id"], ()):
            first, last = cycle_of(application["expires_on"], cycle_years)
            if application["submitted_at"] >= credit["created_at"] and first <= credit["earned_on"] <= last:
                submitted = timezone.localtime(application["submitted_at"])
                reasons.append(
                    f"取込の後の資格更新申請({submitted:%Y/%m/%d}申請、{state_labels[application['state']]})"
                    "の点数に含まれています。"
                )
        if (credit["member_id"], credit["session_id"]) in attended_since:
            reasons.append("取込の後に参加申込が参加済にされ、この受講履歴はその参加の記録になっています。")
        if reasons:
            blockers.append(
                UndoBlocker(
                    member_number=credit["member__member_number"],
                    member_name=f"{credit['member__family_name']} {credit['member__given_name']}",
                    session=f"{credit['session__seminar__title']} {credit['session__title']}",
                    reason="".join(reasons),
                )
            )
    return sorted(blockers)


def _unmark(import_job, registration_ids):
    """Unmark the registrations; {registration id: 参加形態 put back} from the import's history entries."""
    content_type = ContentType.objects.get_for_model(Registration)
    restored = {}
    for chunk in _chunks(registration_ids):
        for object_id, data in ModelLogEntry.objects.filter(
            content_type=content_type, action=ATTENDED_ACTION, object_id__in=[str(pk) for pk in chunk]
        ).values_list("object_id", "data"):
            if (data or {}).get("import_job") == import_job and (data or {}).get("format_before"):
                restored[int(object_id)] = data["format_before"]
    by_format = defaultdict(list)
    for pk in registration_ids:
        by_format[restored.get(pk)].append(pk)
    for participation_format, pks in by_format.items():
        changes = {"attended_at": None, "attended_import_job": None}
        if participation_format:
            changes["participation_format"] = participation_format
        for chunk in _chunks(pks):
            Registration.objects.filter(pk__in=chunk).update(**changes)
    return restored


def _log(import_job, registration_ids, restored, credits, *, user, now):
    """One history entry per registration unmarked and per credit deleted, written in batches."""
    context = get_active_log_context()
    user = user or context.user
    user_id = user.pk if user is not None else None
    registration_type = ContentType.objects.get_for_model(Registration)
    labels = {}
    for chunk in _chunks(registration_ids):
        rows = Registration.objects.filter(pk__in=chunk).select_related("member", "session__seminar")
        labels.update((registration.pk, str(registration)) for registration in rows)
    entries = [
        ModelLogEntry(
            content_type=registration_type,
            object_id=str(pk),
            label=labels[pk][:LABEL_LENGTH],
            action=ATTENDANCE_UNDONE_ACTION,
            data={"import_job": import_job, **({"format_restored": restored[pk]} if pk in restored else {})},
            timestamp=now,
            uuid=context.uuid or uuid.uuid4(),
            user_id=user_id,
        )
        for pk in registration_ids
    ]
    credit_type = ContentType.objects.get_for_model(Credit)
    entries += [
        ModelLogEntry(
            content_type=credit_type,
            object_id=str(credit["pk"]),
            label=(
                f"{credit['member__member_number']} {credit['session__seminar__title']} {credit['session__title']} "
                f"{credit['points']}点"
            )[:LABEL_LENGTH],
            action=CREDIT_UNDONE_ACTION,
            data={
                "import_job": import_job,
                "member_number": credit["member__member_number"],
                "session_id": credit["session_id"],
                "points": credit["points"],
            },
            timestamp=now,
            uuid=context.uuid or uuid.uuid4(),
            user_id=user_id,
        )
        for credit in credits
    ]
    for start in range(0, len(entries), LOG_BATCH):
        ModelLogEntry.objects.bulk_create(entries[start : start + LOG_BATCH])
