"""Credits (受講履歴・点数): awarding them from attendance, and what they add up to.

A session counts once per member: awarding is idempotent (the unique constraint
``credit_one_per_member_session`` backs it), so marking attendance twice, or marking it and
importing the same attendance sheet, never counts twice.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Credit, Registration


def award_credit(*, member, session, source):
    """The member's credit for ``session``, created once. Returns (credit, created)."""
    existing = Credit.objects.filter(member=member, session=session).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            credit = Credit.objects.create(
                member=member,
                session=session,
                credit_category_id=session.credit_category_id,
                points=session.points,
                earned_on=session.date,
                source=source,
            )
    except IntegrityError:  # awarded meanwhile by another request or an import
        return Credit.objects.get(member=member, session=session), False
    return credit, True


@transaction.atomic
def mark_attended(*, registration, source=Credit.Source.ATTENDANCE):
    """参加済: record the attendance and award the session's credit (both once)."""
    registration = Registration.objects.select_for_update().select_related("session__seminar").get(pk=registration.pk)
    if registration.state != Registration.State.APPLIED:
        raise ValueError("取消された参加申込は参加済にできません。")
    if registration.attended_at is None:
        registration.attended_at = timezone.now()
        registration.save(update_fields=["attended_at"])
    award_credit(member=registration.member, session=registration.session, source=source)
    return registration
