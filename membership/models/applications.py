"""Members' applications to the secretariat: leave (休会), return (休会復帰) and withdrawal (退会).

An application is submitted by the member, decided by the staff (承認 or 差戻し), and an
approved one changes the member's status on the date it asks for (``effective_on``): at once
when that day has come, otherwise by the daily ``apply_membership_applications`` command.
Until then the secretariat may undo the approval (承認取消).
The operations live in ``membership.applications``.
"""

from django.db import models
from django.db.models import Q

from .accounts import User
from .members import Member


class MembershipApplication(models.Model):
    class Kind(models.TextChoices):
        LEAVE = "leave", "休会申請"
        RETURN = "return", "休会復帰申請"
        WITHDRAWAL = "withdrawal", "退会申請"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "事務局確認中"
        APPROVED = "approved", "承認"
        REJECTED = "rejected", "差戻し"
        CANCELLED = "cancelled", "取下げ"
        # An approval undone before its day: by the secretariat, or because the member's
        # status had changed by then (e.g. withdrawn before an approved leave began).
        REVOKED = "revoked", "承認取消"

    class LeaveReason(models.TextChoices):
        CHILDCARE = "childcare", "出産・育児"
        ILLNESS = "illness", "病気療養"
        CARE = "care", "介護"
        STUDY = "study", "留学・長期出張"
        OTHER = "other", "その他"

    # The member's status each kind leads to, and the statuses it may start from.
    TARGET_STATUS = {
        Kind.LEAVE: Member.Status.ON_LEAVE,
        Kind.RETURN: Member.Status.ACTIVE,
        Kind.WITHDRAWAL: Member.Status.WITHDRAWN,
    }
    SOURCE_STATUSES = {
        Kind.LEAVE: (Member.Status.ACTIVE,),
        Kind.RETURN: (Member.Status.ON_LEAVE,),
        Kind.WITHDRAWAL: (Member.Status.ACTIVE, Member.Status.ON_LEAVE),
    }
    # The label of ``effective_on`` for each kind, as the forms and the admin show it.
    EFFECTIVE_ON_LABELS = {Kind.LEAVE: "休会開始日", Kind.RETURN: "復帰日", Kind.WITHDRAWAL: "退会日"}

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="applications", verbose_name="会員")
    kind = models.CharField("申請種別", max_length=20, choices=Kind.choices)
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.SUBMITTED)
    effective_on = models.DateField("希望日", help_text="休会開始日・復帰日・退会日")
    leave_until = models.DateField("休会終了予定日", null=True, blank=True)
    leave_reason = models.CharField("休会理由", max_length=20, choices=LeaveReason.choices, blank=True)
    reason = models.TextField("理由・連絡事項", blank=True)

    submitted_at = models.DateTimeField("申請日時", auto_now_add=True)
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="判断した事務局"
    )
    decision_note = models.TextField("事務局からの連絡", blank=True)
    applied_at = models.DateTimeField(
        "ステータス反映日時", null=True, blank=True, help_text="承認した申請が会員ステータスに反映された日時です。"
    )

    class Meta:
        verbose_name = "各種申請"
        verbose_name_plural = "各種申請"
        ordering = ["-submitted_at"]
        constraints = [
            # One application in the secretariat's hands per member at a time.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state="submitted"),
                name="one_submitted_application_per_member",
                violation_error_message="事務局確認中の申請があります。",
            ),
        ]
        indexes = [models.Index(fields=["state", "effective_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.member.member_number} {self.member.full_name}"

    @property
    def effective_on_label(self):
        return self.EFFECTIVE_ON_LABELS[self.kind]

    @property
    def target_status(self):
        return self.TARGET_STATUS[self.kind]
