"""Renewal (資格更新申請) and extension (更新延長) applications: DESIGN.md 5."""

from django.db import models
from django.db.models import Q

from membership.models import Invoice, Member


class RenewalApplication(models.Model):
    """資格更新申請 (guide 7): a member asks to renew the certification for the next cycle.

    States (DESIGN.md 5): 事務局確認中 → 申請確認完了 (approved: the renewal fee is billed and
    the member mailed) or 差戻し → 会員証発行済 (the secretariat issues the card: the
    certification's expiry moves on one cycle). Between approval and issue the fee invoice
    says where things stand: unpaid (お支払い), paid (入金確認済 / 会員証発行処理中). The
    operations live in ``renewal.renewals``.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", "事務局確認中"
        APPROVED = "approved", "申請確認完了"
        REJECTED = "rejected", "差戻し"
        ISSUED = "issued", "会員証発行済"
        CANCELLED = "cancelled", "取下げ"

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="renewal_applications", verbose_name="会員"
    )
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.SUBMITTED)
    # The certification as it stood when the member applied, and what the renewal gives.
    expires_on = models.DateField("申請時の有効期限")
    new_expires_on = models.DateField("更新後の有効期限")
    points_at_application = models.PositiveIntegerField("申請時の総得点")
    invoice = models.OneToOneField(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_application",
        verbose_name="更新料の請求",
    )
    submitted_at = models.DateTimeField("申請日時", auto_now_add=True)
    decided_at = models.DateTimeField("確認日時", null=True, blank=True)
    decision_note = models.TextField("事務局からの連絡", blank=True)
    issued_at = models.DateTimeField("会員証発行日時", null=True, blank=True)

    class Meta:
        verbose_name = "資格更新申請"
        verbose_name_plural = "資格更新申請"
        ordering = ["-submitted_at"]
        constraints = [
            # One renewal per cycle: an application for the same expiry is live at most once.
            models.UniqueConstraint(
                fields=["member", "expires_on"],
                condition=Q(state__in=["submitted", "approved", "issued"]),
                name="renewal_one_live_per_cycle",
                violation_error_message="この更新期限の資格更新申請はすでにあります。",
            )
        ]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self):
        return f"資格更新申請 {self.member.member_number} {self.member.full_name}({self.expires_on:%Y年%-m月}期限)"


class ExtensionProgramme(models.Model):
    """更新延長 (guide 14): declared by the secretariat after a large disaster, when the society
    allows renewal to be postponed. Only members it covers (by the prefecture of their
    mailing address and the expiry of their certification) see the application, until the deadline."""

    name = models.CharField("名称", max_length=200, help_text="例: 令和6年能登半島地震に伴う更新延長措置")
    description = models.TextField("案内", blank=True)
    prefectures = models.CharField(
        "対象都道府県", max_length=400, blank=True, help_text="「、」区切り(例: 石川県、富山県)。空欄なら全国。"
    )
    expires_from = models.DateField("対象となる有効期限(から)")
    expires_until = models.DateField("対象となる有効期限(まで)")
    extension_months = models.PositiveIntegerField("延長する月数", default=12)
    applications_close_on = models.DateField("申請締切日")
    active = models.BooleanField("受付中", default=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "更新延長措置"
        verbose_name_plural = "更新延長措置"
        ordering = ["-applications_close_on"]

    def __str__(self):
        return self.name

    @property
    def prefecture_list(self):
        return [name.strip() for name in self.prefectures.replace(",", "、").split("、") if name.strip()]

    def covers(self, member, today):
        """Whether ``member`` may apply under this programme on ``today``."""
        expires = member.certification_expires_on
        return (
            self.active
            and member.status in (Member.Status.ACTIVE, Member.Status.ON_LEAVE)
            and today <= self.applications_close_on
            and expires is not None
            and self.expires_from <= expires <= self.expires_until
            and (not self.prefecture_list or member.mailing_prefecture in self.prefecture_list)
        )


class ExtensionApplication(models.Model):
    """更新延長申請: a covered member asks for the programme's extension; staff approve or not."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "事務局確認中"
        APPROVED = "approved", "承認"
        REJECTED = "rejected", "差戻し"

    programme = models.ForeignKey(
        ExtensionProgramme, on_delete=models.PROTECT, related_name="applications", verbose_name="更新延長措置"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="extension_applications", verbose_name="会員"
    )
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.SUBMITTED)
    reason = models.TextField("申請理由")
    expires_on = models.DateField("申請時の有効期限")
    submitted_at = models.DateTimeField("申請日時", auto_now_add=True)
    decided_at = models.DateTimeField("確認日時", null=True, blank=True)
    decision_note = models.TextField("事務局からの連絡", blank=True)

    class Meta:
        verbose_name = "更新延長申請"
        verbose_name_plural = "更新延長申請"
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "member"],
                condition=Q(state__in=["submitted", "approved"]),
                name="extension_one_live_per_programme",
            )
        ]

    def __str__(self):
        return f"更新延長申請 {self.member.member_number} {self.member.full_name}"
