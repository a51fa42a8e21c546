"""自動継続 (automatic yearly card payment): the member's card on file and the automatic charges.

The card itself lives at the gateway (GMO's member and card registration); we keep the gateway's
member id and what its card query (SearchCard) last reported: the masked number and the expiry,
never card data. Services are in ``membership.billing.autopay`` (the card) and
``membership.billing.auto_charges`` (charging a fiscal year's dues).
"""

from django.db import models

from .billing import Invoice, Payment
from .members import Member


class AutoPay(models.Model):
    """A member's automatic payment: on while a card is registered at the gateway and not stopped."""

    class State(models.TextChoices):
        REGISTERING = "registering", "カード登録待ち"
        ACTIVE = "active", "自動払い中"
        STOPPED = "stopped", "停止"

    member = models.OneToOneField(Member, verbose_name="会員", on_delete=models.PROTECT, related_name="autopay")
    gateway_member_id = models.CharField("決済会社の会員ID", max_length=60, unique=True)
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.REGISTERING)
    card_seq = models.CharField("カード登録連番", max_length=4, blank=True)
    card_number_masked = models.CharField("カード番号(マスク)", max_length=25, blank=True)
    card_expire = models.CharField("有効期限(YYMM)", max_length=4, blank=True)
    card_checked_at = models.DateTimeField("カード照会日時", null=True, blank=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    stopped_at = models.DateTimeField("停止日時", null=True, blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "自動継続"
        verbose_name_plural = "自動継続"

    def __str__(self):
        return f"{self.member.member_number} {self.get_state_display()} {self.card_number_masked}"

    @property
    def is_active(self):
        return self.state == self.State.ACTIVE

    @property
    def expiry_display(self):
        """``2029年12月`` from the gateway's YYMM."""
        if len(self.card_expire) != 4 or not self.card_expire.isdigit():
            return ""
        return f"20{self.card_expire[:2]}年{int(self.card_expire[2:])}月"


class AutoChargeRun(models.Model):
    """The automatic charges of one fiscal year's dues: scheduled at billing, run on ``charge_on``."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "引き落とし予定"
        RUNNING = "running", "引き落とし中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    fiscal_year = models.PositiveIntegerField("年度", unique=True)
    charge_on = models.DateField("引き落とし日")
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.SCHEDULED)
    total = models.PositiveIntegerField("対象件数", default=0)
    done = models.PositiveIntegerField("処理済件数", default=0)
    charged = models.PositiveIntegerField("引き落とし済", default=0)
    declined = models.PositiveIntegerField("承認されなかった", default=0)
    noticed = models.PositiveIntegerField("事前通知メール", default=0)
    error = models.CharField("エラー", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        "membership.User", verbose_name="実行者", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("実行日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)

    class Meta:
        verbose_name = "カード自動払い"
        verbose_name_plural = "カード自動払い"
        ordering = ["-fiscal_year"]

    def __str__(self):
        return f"{self.fiscal_year}年度 {self.get_state_display()} {self.done}/{self.total}"

    @property
    def percent(self):
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)


class AutoCharge(models.Model):
    """One invoice charged to the card on file, once: its order id is derived from the invoice."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "引き落とし予定"
        CHARGING = "charging", "処理中"
        PAID = "paid", "引き落とし済"
        DECLINED = "declined", "承認されず"
        SKIPPED = "skipped", "対象外"

    invoice = models.OneToOneField(Invoice, verbose_name="請求", on_delete=models.PROTECT, related_name="auto_charge")
    run = models.ForeignKey(AutoChargeRun, verbose_name="自動払い", on_delete=models.PROTECT, related_name="charges")
    payment = models.OneToOneField(
        Payment, verbose_name="決済", null=True, blank=True, on_delete=models.PROTECT, related_name="auto_charge"
    )
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.SCHEDULED)
    error_code = models.CharField("エラーコード", max_length=100, blank=True)
    detail = models.CharField("詳細", max_length=200, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "カード自動払いの決済"
        verbose_name_plural = "カード自動払いの決済"
        indexes = [models.Index(fields=["run", "state"])]

    def __str__(self):
        return f"{self.invoice_id} {self.get_state_display()}"
