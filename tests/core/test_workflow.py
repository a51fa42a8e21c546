"""core.workflow: the one helper behind every decision (applications, renewals, extensions),
here on a table of its own over the applications' model and log actions."""

import datetime

import pytest
from wagtail.models import ModelLogEntry

from core.errors import DomainError
from core.workflow import Transition, Workflow
from membership.applications import APPROVED_ACTION, CANCELLED_ACTION, REJECTED_ACTION
from membership.models import MembershipApplication
from tests.factories import MemberFactory, StaffUserFactory

State = MembershipApplication.State


class FlowError(DomainError):
    pass


FLOW = Workflow(
    MembershipApplication,
    error=FlowError,
    related=("member__user",),
    transitions=[
        Transition.withdrawal(sources=[State.SUBMITTED], target=State.CANCELLED, action=CANCELLED_ACTION),
        Transition("approve", sources=[State.SUBMITTED], target=State.APPROVED, action=APPROVED_ACTION),
        Transition("reject", sources=[State.SUBMITTED], target=State.REJECTED, action=REJECTED_ACTION, reason="差戻し"),
    ],
)


@pytest.fixture
def application(db):
    return MembershipApplication.objects.create(
        member=MemberFactory(), kind=MembershipApplication.Kind.LEAVE, effective_on=datetime.date(2026, 12, 1)
    )


def test_a_decision_saves_the_state_and_the_decision_and_writes_the_history(application):
    staff = StaffUserFactory()
    locked = FLOW.lock(application.pk, "approve")
    FLOW.move(locked, "approve", user=staff, note="承認します")
    application.refresh_from_db()
    assert (application.state, application.decided_by, application.decision_note) == (
        State.APPROVED,
        staff,
        "承認します",
    )
    assert application.decided_at is not None
    entry = ModelLogEntry.objects.get(action=APPROVED_ACTION)
    assert (entry.user, entry.data, entry.object_id) == (staff, {"note": "承認します"}, str(application.pk))


def test_a_row_that_moved_on_is_refused_with_the_transitions_message(application):
    FLOW.move(FLOW.lock(application.pk, "approve"), "approve", user=None)
    with pytest.raises(FlowError, match="^この申請はすでに承認です。$"):
        FLOW.lock(application.pk, "reject", note="理由")
    with pytest.raises(FlowError, match="^この申請は承認のため、取り下げできません。$"):
        FLOW.lock(application.pk, "cancel")
    assert ModelLogEntry.objects.filter(action__in=[REJECTED_ACTION, CANCELLED_ACTION]).count() == 0


def test_a_decision_that_needs_a_reason_refuses_a_blank_note(application):
    with pytest.raises(FlowError, match="差戻しの理由を入力してください"):
        FLOW.lock(application.pk, "reject", note="  ")
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_the_members_withdrawal_is_not_a_decision(application):
    member_user = application.member.user
    FLOW.move(FLOW.lock(application.pk, "cancel", member=application.member), "cancel", user=member_user)
    application.refresh_from_db()
    assert (application.state, application.decided_at, application.decided_by) == (State.CANCELLED, None, None)
    assert ModelLogEntry.objects.get(action=CANCELLED_ACTION).user == member_user


def test_lock_narrowed_to_the_members_own_rows(application):
    with pytest.raises(MembershipApplication.DoesNotExist):
        FLOW.lock(application.pk, "cancel", member=MemberFactory())
