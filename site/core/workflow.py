"""Decision workflows (申請 → 承認 / 差戻し / 取下げ ...): one table of allowed transitions per
workflow and one helper that locks the row, re-checks its state, saves and writes the audit
entry with the acting user (as pretix's ``OrderPayment.confirm()`` and Oscar's pipeline do).

    RENEWAL = Workflow(RenewalApplication, error=RenewalError, related=("member__user",), transitions=[
        Transition("approve", sources=[State.SUBMITTED], target=State.APPROVED, action="renewal.approved"),
        ...
    ])

    @transaction.atomic
    def approve_renewal(*, application_id, user, note=""):
        application = RENEWAL.lock(application_id, "approve")   # SELECT ... FOR UPDATE, state checked
        ...                                                      # the area's own checks and effects
        RENEWAL.move(application, "approve", user=user, note=note, fields=["invoice"])

The area's service stays the owner of its rules; this module only guarantees that no two
decisions on one row interleave, that a decision never applies to a row that moved on
meanwhile, and that every decision is in the row's history.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from wagtail.log_actions import log

from .errors import DomainError

# The default refusal when the row is in a state the transition does not start from.
ALREADY = "この申請はすでに{state}です。"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    target: str
    action: str  # the audit log action (registered with a LogFormatter by the area's admin)
    refusal: str = ALREADY  # formatted with ``state`` (the row's state label)
    decides: bool = True  # sets decided_at / decided_by / decision_note where the model has them
    log_note: bool = True
    reason: str = ""  # when set, the note is required: it is the reason of this decision (差戻し, 承認取消)

    def __post_init__(self):
        object.__setattr__(self, "sources", tuple(self.sources))

    @classmethod
    def withdrawal(cls, *, sources, target, action):
        """取下げ by the member: not a decision (no decided_at / decided_by / note)."""
        return cls(
            "cancel",
            sources=sources,
            target=target,
            action=action,
            refusal="この申請は{state}のため、取り下げできません。",
            decides=False,
            log_note=False,
        )


@dataclass
class Workflow:
    model: type
    transitions: list
    error: type = DomainError
    related: tuple = ()
    state_field: str = "state"
    _by_name: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._by_name = {transition.name: transition for transition in self.transitions}
        fields = {f.name for f in self.model._meta.get_fields()}
        self._decision_fields = [name for name in ("decided_at", "decided_by", "decision_note") if name in fields]

    def transition(self, name):
        return self._by_name[name]

    def allowed(self, instance, name):
        """Whether ``name`` may start from the row's current state (for buttons; no lock)."""
        return getattr(instance, self.state_field) in self._by_name[name].sources

    def lock(self, pk, name, *, note=None, **filters):
        """The row, locked for the caller's transaction, if ``name`` may start from its state.

        Raises ``model.DoesNotExist`` when no row matches (``filters`` narrow it, e.g. to the
        member's own), and the workflow's error with the transition's refusal otherwise. A
        transition with a ``reason`` refuses a blank ``note`` before taking any lock.
        """
        transition = self._by_name[name]
        if transition.reason and not (note or "").strip():
            raise self.error(f"{transition.reason}の理由を入力してください(会員へのメールに記載されます)。")
        rows = self.model.objects.select_for_update()
        if self.related:  # never a bare select_related(): it would join (and lock) every foreign key
            rows = rows.select_related(*self.related)
        instance = rows.filter(pk=pk, **filters).first()
        if instance is None:
            raise self.model.DoesNotExist
        self.check(instance, name)
        return instance

    def check(self, instance, name):
        transition = self._by_name[name]
        if getattr(instance, self.state_field) not in transition.sources:
            state = getattr(instance, f"get_{self.state_field}_display")()
            raise self.error(transition.refusal.format(state=state))

    def move(self, instance, name, *, user, note="", fields=(), data=None):
        """Set the transition's target state on a row taken with ``lock``, save it with the
        decision fields and ``fields``, and write the audit entry (actor ``user``)."""
        transition = self._by_name[name]
        self.check(instance, name)
        setattr(instance, self.state_field, transition.target)
        update_fields = [self.state_field, *fields]
        if transition.decides:
            for field_name in self._decision_fields:
                if field_name == "decided_at":
                    instance.decided_at = timezone.now()
                elif field_name == "decided_by":
                    if user is not None:
                        instance.decided_by = user
                else:
                    instance.decision_note = note
                update_fields.append(field_name)
        instance.save(update_fields=update_fields)
        entry = dict(data or {})
        if transition.log_note:
            entry.setdefault("note", note)
        log(instance=instance, action=transition.action, user=user, data=entry)
        return instance
