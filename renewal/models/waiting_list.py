"""キャンセル待ち (the waiting list of a full session) and the seat offers made from it.

A member (or a guest, where the session admits guests) waits in line for a full session; a freed
seat is offered to the first in line for a set time (``RenewalSettings.waitlist_offer_hours``).
An outstanding offer holds its seat: ``registrations.registration_refusal`` counts it as taken.
The rules live in ``renewal.waiting_list``; one live entry per member and session is backed by
the partial unique constraint below.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from membership.models import Member

from .seminars import Registration, Session


class WaitlistEntry(models.Model):
    """One member's place in the waiting list of one session, and the offer made to them."""

    class State(models.TextChoices):
        WAITING = "waiting", "順番待ち"
        OFFERED = "offered", "案内中"
        ACCEPTED = "accepted", "申込済"
        DECLINED = "declined", "辞退"
        EXPIRED = "expired", "期限切れ"
        LEFT = "left", "取りやめ"

    LIVE_STATES = (State.WAITING, State.OFFERED)

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name="セッション"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name="会員")
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.WAITING)
    joined_at = models.DateTimeField("登録日時", auto_now_add=True)
    offered_at = models.DateTimeField("案内日時", null=True, blank=True)
    offer_expires_at = models.DateTimeField("回答期限", null=True, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="案内した職員",
        help_text="事務局が手動で案内した場合のみ。",
    )
    decided_at = models.DateTimeField("終了日時", null=True, blank=True)
    registration = models.OneToOneField(
        Registration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entry",
        verbose_name="参加申込",
    )

    class Meta:
        verbose_name = "キャンセル待ち"
        verbose_name_plural = "キャンセル待ち"
        ordering = ["session", "joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(state__in=["waiting", "offered"]),
                name="waitlist_one_live_per_member",
            ),
            models.CheckConstraint(
                condition=~Q(state="offered") | Q(offer_expires_at__isnull=False),
                name="waitlist_offer_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "state", "joined_at"]),
            models.Index(fields=["state", "offer_expires_at"]),
            models.Index(fields=["member", "state"]),
        ]

    def __str__(self):
        return f"{self.member.member_number} {self.session}"

    @property
    def live(self):
        return self.state in self.LIVE_STATES
