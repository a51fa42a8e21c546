"""Money: dues rules, invoices (請求), receipts, payment attempts, gateway notifications, receipt numbers.

Dues, renewal fees and seminar fees all go through ``Invoice``; a ``Payment`` is one attempt to
pay one invoice through the gateway. Amounts are whole yen (``int``), never floats. State
changes happen in ``membership.billing`` (services) under row locks; the models hold the states
and the invariants the database can enforce.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.dates import datetime_display

from .members import Member


class DuesRule(models.Model):
    """The dues amount for one fiscal year and membership status (staff-editable data)."""

    fiscal_year = models.PositiveIntegerField("年度")
    member_status = models.CharField(
        "会員ステータス",
        max_length=20,
        # Guests (非会員) pay no dues: no rule can be made for them.
        choices=[(value, label) for value, label in Member.Status.choices if value != Member.Status.GUEST],
        default=Member.Status.ACTIVE,
    )
    amount = models.PositiveIntegerField("会費(円)", default=5000)

    class Meta:
        verbose_name = "会費設定"
        verbose_name_plural = "会費設定"
        ordering = ["-fiscal_year", "member_status"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "member_status"], name="dues_rule_unique_year_status")
        ]

    def __str__(self):
        return f"{self.fiscal_year}年度 {self.get_member_status_display()} {self.amount:,}円"


# Whom a 請求書 is addressed to: the member, or the workplace (施設) that pays for them.
BILL_TO_CHOICES = [("member", "ご本人"), ("workplace", "勤務先")]


class Invoice(models.Model):
    class Category(models.TextChoices):
        DUES = "dues", "会費"
        RENEWAL_FEE = "renewal_fee", "更新料"
        SEMINAR_FEE = "seminar_fee", "参加費"

    class Status(models.TextChoices):
        UNPAID = "unpaid", "未納"
        PAID = "paid", "入金済"
        CANCELLED = "cancelled", "取消"
        EXEMPT = "exempt", "免除"

    class Channel(models.TextChoices):
        YUCHO = "yucho", "ゆうちょ"
        CARD = "card", "クレジットカード"
        CVS = "cvs", "コンビニ"
        TRANSFER = "transfer", "振込"
        COUNTER = "counter", "窓口"

    member = models.ForeignKey(Member, verbose_name="会員", on_delete=models.PROTECT, related_name="invoices")
    category = models.CharField("請求区分", max_length=20, choices=Category.choices)
    fiscal_year = models.PositiveIntegerField("対当年度")
    # What is billed, so that billing the same thing twice is impossible: "dues:2024",
    # "renewal:<application id>", "seminar:<registration id>".
    subject = models.CharField("請求対象", max_length=60)
    amount = models.PositiveIntegerField("金額(円)")
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.UNPAID)
    member_status_at_billing = models.CharField(
        "請求時会員ステータス", max_length=20, choices=Member.Status.choices, default=Member.Status.ACTIVE
    )
    purpose = models.CharField(
        "但し書き", max_length=100, blank=True, help_text="空欄なら「2024年度 会費として」のように作られます。"
    )
    paid_on = models.DateField("入金日", null=True, blank=True)
    paid_amount = models.PositiveIntegerField("入金額(円)", null=True, blank=True)
    channel = models.CharField("入金種別", max_length=20, choices=Channel.choices, blank=True)
    receipt_number = models.CharField("領収書番号", max_length=20, unique=True, null=True, blank=True)
    status_reason = models.CharField("免除・取消の理由", max_length=200, blank=True)
    note = models.CharField("備考", max_length=200, blank=True)
    last_reminded_at = models.DateTimeField("最終督促日時", null=True, blank=True)
    # 請求書 (membership.billing.invoice_documents): whom the member chose to address it to.
    bill_to = models.CharField("請求書の宛先", max_length=10, choices=BILL_TO_CHOICES, default="member")
    bill_to_attention = models.CharField("請求書のご担当者", max_length=100, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "請求"
        verbose_name_plural = "請求"
        ordering = ["-fiscal_year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "subject"],
                condition=~Q(status="cancelled"),
                name="invoice_one_live_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(status="paid", paid_on__isnull=False) | ~Q(status="paid"),
                name="invoice_paid_has_date",
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "category", "status"])]

    def __str__(self):
        return f"{self.member.member_number} {self.fiscal_year}年度 {self.get_category_display()} {self.amount:,}円"

    @property
    def member_status_words(self):
        """請求時会員ステータス in the member guide's words (its dues table says 通常 for a member
        in good standing; the admin keeps the status names, e.g. 正会員)."""
        if self.member_status_at_billing == Member.Status.ACTIVE:
            return "通常"
        return self.get_member_status_at_billing_display()

    @property
    def is_unpaid(self):
        return self.status == self.Status.UNPAID

    @property
    def receipt_purpose(self):
        """但し書き: what the receipt says the money was for."""
        return self.purpose or f"{self.fiscal_year}年度 {self.get_category_display()}として"


class Receipt(models.Model):
    """What a receipt (領収書) says, fixed the first time it is issued.

    Made by ``membership.billing.receipts.issue_receipt`` from the invoice, the member's name and the
    society settings of that moment; the PDF is rendered from these fields only, so that a later
    rename or a change of the issuer's details never changes a receipt already given out.
    """

    invoice = models.OneToOneField(
        Invoice, verbose_name="請求", on_delete=models.PROTECT, primary_key=True, related_name="receipt"
    )
    number = models.CharField("領収書番号", max_length=20, unique=True)
    addressee = models.CharField("宛名", max_length=200)
    member_number = models.CharField("会員番号", max_length=20)
    amount = models.PositiveIntegerField("金額(円)")
    purpose = models.CharField("但し書き", max_length=100)
    paid_on = models.DateField("入金日")
    channel = models.CharField("入金種別", max_length=50)
    breakdown = models.CharField("内訳", max_length=100)
    issuer_name = models.CharField("発行者名", max_length=100)
    issuer_address = models.TextField("発行者住所", blank=True)
    registration_number = models.CharField("登録番号", max_length=14, blank=True)
    issued_at = models.DateTimeField("発行日時", default=timezone.now)

    class Meta:
        verbose_name = "領収書"
        verbose_name_plural = "領収書"

    def __str__(self):
        return f"{self.number} {self.addressee}"

    @property
    def filename(self):
        return f"receipt-{self.number}.pdf"


class Payment(models.Model):
    """One attempt to pay one invoice through the gateway; its method is fixed at 決定."""

    class Method(models.TextChoices):
        CARD = "card", "クレジットカード(一括払い)"
        CVS = "cvs", "コンビニ決済"

    class Status(models.TextChoices):
        STARTED = "started", "手続き中"
        AWAITING = "awaiting", "コンビニ支払待ち"
        PAID = "paid", "支払済"
        FAILED = "failed", "失敗"
        EXPIRED = "expired", "期限切れ"
        CANCELLED = "cancelled", "取消"

    OPEN_STATUSES = (Status.STARTED, Status.AWAITING)

    invoice = models.ForeignKey(Invoice, verbose_name="請求", on_delete=models.PROTECT, related_name="payments")
    method = models.CharField("支払方法", max_length=10, choices=Method.choices)
    order_id = models.CharField("オーダーID", max_length=27, unique=True)
    amount = models.PositiveIntegerField("金額(円)")
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.STARTED)
    access_id = models.CharField("取引ID", max_length=64, blank=True)
    cvs_code = models.CharField("コンビニ", max_length=10, blank=True)
    cvs_conf_no = models.CharField("確認番号", max_length=20, blank=True)
    cvs_receipt_no = models.CharField("お客様番号", max_length=32, blank=True)
    payment_term = models.DateTimeField("お支払期限", null=True, blank=True)
    error_code = models.CharField("エラーコード", max_length=100, blank=True)
    error_info = models.CharField("エラー詳細", max_length=200, blank=True)
    created_at = models.DateTimeField("開始日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    paid_at = models.DateTimeField("支払日時", null=True, blank=True)

    class Meta:
        verbose_name = "決済"
        verbose_name_plural = "決済"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status__in=["started", "awaiting"]),
                name="payment_one_open_per_invoice",
            )
        ]

    def __str__(self):
        return f"{self.order_id} {self.get_method_display()} {self.get_status_display()}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def declined(self):
        """The card was declined at the checkout: the attempt stays open at the gateway (the error
        came from an unsigned notification), but for the member it failed and a new one is needed."""
        return self.status == self.Status.STARTED and bool(self.error_code)

    @property
    def state_label(self):
        """The attempt's state as the member reads it (a declined attempt is 失敗, not 手続き中)."""
        return "失敗(カードが承認されませんでした)" if self.declined else self.get_status_display()

    @property
    def cvs_chain(self):
        return CVS_CHAINS.get(self.cvs_code, self.cvs_code)


# Convenience-store chains this shop may use (guide 4 ③; セブン-イレブン is not one of them).
CVS_CHAINS = {
    "10001": "ローソン",
    "10002": "ファミリーマート",
    "10005": "ミニストップ",
    "10008": "セイコーマート",
}


class GatewayNotification(models.Model):
    """A result notification (結果通知) exactly as received, and what became of it."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", "受信"
        APPLIED = "applied", "反映済"
        NO_CHANGE = "no_change", "変更なし(重複・遅延)"
        FLAGGED = "flagged", "要確認"
        RETRY = "retry", "再送待ち"

    received_at = models.DateTimeField("受信日時", default=timezone.now)
    body = models.TextField("受信内容")
    order_id = models.CharField("オーダーID", max_length=64, blank=True, db_index=True)
    status = models.CharField("通知ステータス", max_length=20, blank=True)
    payment = models.ForeignKey(
        Payment, verbose_name="決済", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    outcome = models.CharField("処理結果", max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED)
    detail = models.CharField("詳細", max_length=300, blank=True)
    processed_at = models.DateTimeField("処理日時", null=True, blank=True)
    resolved_by = models.CharField("確認者", max_length=150, blank=True)
    resolved_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        verbose_name = "決済通知"
        verbose_name_plural = "決済通知"
        ordering = ["-received_at"]
        # Only the few notifications staff must look at are indexed by outcome, so that storing
        # an outcome (every notification) does not rewrite an index entry.
        indexes = [
            models.Index(fields=["received_at"], condition=Q(outcome="flagged"), name="notification_flagged_idx")
        ]

    def __str__(self):
        return f"{datetime_display(self.received_at)} {self.order_id} {self.status} {self.get_outcome_display()}"


class ReceiptCounter(models.Model):
    """The last receipt number used in a fiscal year; locked to number receipts without gaps."""

    fiscal_year = models.PositiveIntegerField("年度", unique=True)
    last_number = models.PositiveIntegerField("最終番号", default=0)

    class Meta:
        verbose_name = "領収書番号"
        verbose_name_plural = "領収書番号"

    def __str__(self):
        return f"{self.fiscal_year}年度 {self.last_number}"


class DuesRun(models.Model):
    """One run of 会費の一括請求 in the background (large rolls), with its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "請求作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    fiscal_year = models.PositiveIntegerField("年度")
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField("対象件数", default=0)
    done = models.PositiveIntegerField("処理済件数", default=0)
    created = models.PositiveIntegerField("作成した請求", default=0)
    total_yen = models.PositiveBigIntegerField("請求の合計(円)", default=0)
    error = models.CharField("エラー", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        "membership.User", verbose_name="実行者", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("実行日時", auto_now_add=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)

    class Meta:
        verbose_name = "会費の一括請求"
        verbose_name_plural = "会費の一括請求"
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.fiscal_year}年度 {self.get_state_display()} {self.done}/{self.total}"

    @property
    def percent(self):
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)
