"""The sandbox gateway's own records: its trades and its outbox of result notifications."""

import secrets

from django.db import models

# A notification is retried after 1, 2, 4, 8 … minutes, at most this many attempts in all.
MAX_DELIVERY_ATTEMPTS = 10


def new_access_id():
    return secrets.token_hex(16)


def new_access_pass():
    return secrets.token_hex(16)


class SandboxTrade(models.Model):
    """One order id at the gateway: opened by the checkout page, then paid, issued, expired or voided."""

    class PayType(models.TextChoices):
        CARD = "0", "クレジットカード"
        CVS = "3", "コンビニ"

    class Status(models.TextChoices):
        UNPROCESSED = "UNPROCESSED", "未決済"
        CAPTURE = "CAPTURE", "即時売上"
        REQSUCCESS = "REQSUCCESS", "要求成功(入金待ち)"
        PAYSUCCESS = "PAYSUCCESS", "入金済"
        EXPIRED = "EXPIRED", "期限切れ"
        VOID = "VOID", "取消(カード)"
        CANCEL = "CANCEL", "支払停止(コンビニ)"

    order_id = models.CharField("オーダーID", max_length=27, unique=True)
    shop_id = models.CharField("ショップID", max_length=13)
    config_id = models.CharField("設定ID", max_length=64, blank=True)
    # The hash of the checkout URL that opened the trade: re-opening the very same URL is
    # allowed while nothing has happened yet, any other URL with this order id is refused.
    checkout_hash = models.CharField(max_length=64)
    access_id = models.CharField("取引ID", max_length=32, unique=True, default=new_access_id)
    access_pass = models.CharField("取引パスワード", max_length=32, default=new_access_pass)
    pay_type = models.CharField("決済方法", max_length=1, choices=PayType.choices)
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.UNPROCESSED)
    job_cd = models.CharField("処理区分", max_length=16, blank=True)
    amount = models.PositiveIntegerField("金額")
    tax = models.PositiveIntegerField("税送料", default=0)
    overview = models.CharField("内容", max_length=200, blank=True)
    ret_url = models.URLField("戻り先URL", max_length=500)
    complete_url = models.URLField("完了時URL", max_length=500, blank=True)
    cancel_url = models.URLField("キャンセル時URL", max_length=500, blank=True)
    customer_name = models.CharField("顧客氏名", max_length=100, blank=True)
    customer_email = models.CharField("メールアドレス", max_length=254, blank=True)
    customer_phone = models.CharField("電話番号", max_length=20, blank=True)
    # Card
    card_number_masked = models.CharField("カード番号", max_length=20, blank=True)
    # Convenience store
    payment_term_day = models.PositiveSmallIntegerField("支払期限日数", null=True, blank=True)
    receipts_disp11 = models.CharField("店舗名", max_length=100, blank=True)
    cvs_code = models.CharField("コンビニ", max_length=5, blank=True)
    cvs_conf_no = models.CharField("確認番号", max_length=20, blank=True)
    cvs_receipt_no = models.CharField("お客様番号", max_length=32, blank=True)
    cvs_name = models.CharField("支払者氏名", max_length=40, blank=True)
    cvs_phone = models.CharField("支払者電話番号", max_length=13, blank=True)
    payment_term = models.DateTimeField("支払期限", null=True, blank=True)
    # Outcome
    err_code = models.CharField("エラーコード", max_length=40, blank=True)
    err_info = models.CharField("エラー詳細", max_length=100, blank=True)
    tran_date = models.DateTimeField("処理日時", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "サンドボックス取引"
        verbose_name_plural = "サンドボックス取引"

    def __str__(self):
        return f"{self.order_id} {self.status}"

    @property
    def is_cvs(self):
        return self.pay_type == self.PayType.CVS

    @property
    def total(self):
        return self.amount + self.tax


class SandboxNotification(models.Model):
    """One result notification in the outbox, with its delivery attempts."""

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="notifications")
    status = models.CharField("通知した状態", max_length=16)
    # The urlencoded form exactly as POSTed to the shop.
    body = models.TextField("本文")
    attempts = models.PositiveSmallIntegerField("送信回数", default=0)
    last_response = models.CharField("最後の応答", max_length=500, blank=True)
    last_attempt_at = models.DateTimeField("最終送信日時", null=True, blank=True)
    delivered_at = models.DateTimeField("受領日時", null=True, blank=True)
    next_attempt_at = models.DateTimeField("次回送信予定", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "サンドボックス結果通知"
        verbose_name_plural = "サンドボックス結果通知"
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"])]

    def __str__(self):
        return f"{self.trade.order_id} {self.status}"

    @property
    def gave_up(self):
        return self.delivered_at is None and self.attempts >= MAX_DELIVERY_ATTEMPTS


class SandboxMember(models.Model):
    """A member of the shop's site at the gateway (SaveMember): the owner of cards on file."""

    site_id = models.CharField("サイトID", max_length=13)
    member_id = models.CharField("会員ID", max_length=60)
    name = models.CharField("会員名", max_length=255, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "サンドボックス会員"
        verbose_name_plural = "サンドボックス会員"
        constraints = [models.UniqueConstraint(fields=["site_id", "member_id"], name="sandbox_member_unique")]

    def __str__(self):
        return f"{self.site_id} {self.member_id}"


class SandboxCard(models.Model):
    """A card on file (SaveCard, or the card registration page): test numbers only."""

    member = models.ForeignKey(SandboxMember, on_delete=models.CASCADE, related_name="cards")
    card_seq = models.PositiveSmallIntegerField("カード登録連番")
    card_number = models.CharField("カード番号", max_length=19)
    expire = models.CharField("有効期限(YYMM)", max_length=4)
    holder_name = models.CharField("名義人", max_length=50, blank=True)
    deleted = models.BooleanField("削除済", default=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["card_seq"]
        verbose_name = "サンドボックス登録カード"
        verbose_name_plural = "サンドボックス登録カード"
        constraints = [models.UniqueConstraint(fields=["member", "card_seq"], name="sandbox_card_unique_seq")]

    def __str__(self):
        return f"{self.member.member_id} {self.card_seq} {self.masked}"

    @property
    def masked(self):
        return "*" * (len(self.card_number) - 4) + self.card_number[-4:]
