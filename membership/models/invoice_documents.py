"""請求書 (invoice documents): what one says, fixed when first issued, and staff's batches of them.

Made by ``membership.billing.invoice_documents``; the PDF is rendered from these rows only, so a
later change of the member's profile or of the society settings never changes a 請求書 already
given out (as with ``Receipt``).
"""

from django.db import models
from django.utils import timezone

from .billing import BILL_TO_CHOICES, Invoice


class InvoiceDocument(models.Model):
    """What a 請求書 says, fixed the first time it is issued; re-addressing it keeps its number and dates."""

    invoice = models.OneToOneField(
        Invoice, verbose_name="請求", on_delete=models.PROTECT, primary_key=True, related_name="document"
    )
    number = models.CharField("請求書番号", max_length=20, unique=True)
    bill_to = models.CharField("宛先", max_length=10, choices=BILL_TO_CHOICES)
    addressee = models.CharField("宛名", max_length=200)
    honorific = models.CharField("敬称", max_length=4)
    attention = models.CharField("ご担当者", max_length=100, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=420, blank=True)
    member_number = models.CharField("会員番号", max_length=20)
    member_name = models.CharField("会員氏名", max_length=200)
    description = models.CharField("品目", max_length=100)
    amount = models.PositiveIntegerField("金額(円、税込)")
    tax_rate = models.PositiveSmallIntegerField("税率(%)", default=0)
    tax_amount = models.PositiveIntegerField("消費税額(円)", default=0)
    issued_on = models.DateField("請求日")
    due_on = models.DateField("お支払期限")
    bank_account = models.TextField("振込先", blank=True)
    issuer_name = models.CharField("発行者名", max_length=100)
    issuer_address = models.TextField("発行者住所", blank=True)
    registration_number = models.CharField("登録番号", max_length=14, blank=True)
    issued_at = models.DateTimeField("発行日時", default=timezone.now)

    class Meta:
        verbose_name = "請求書"
        verbose_name_plural = "請求書"

    def __str__(self):
        return f"{self.number} {self.addressee}"

    @property
    def filename(self):
        return f"seikyusho-{self.number}.pdf"

    @property
    def taxable(self):
        return self.tax_rate > 0


class InvoiceDocumentBatch(models.Model):
    """One run of 請求書の一括作成 (a fiscal year's unpaid invoices as one PDF or a ZIP), in the background."""

    class Format(models.TextChoices):
        PDF = "pdf", "1つのPDF(印刷・郵送用)"
        ZIP = "zip", "ZIP(請求書ごとのPDF)"

    class State(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    fiscal_year = models.PositiveIntegerField("年度")
    category = models.CharField("請求区分", max_length=20, choices=Invoice.Category.choices)
    format = models.CharField("形式", max_length=3, choices=Format.choices, default=Format.PDF)
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField("対象件数", default=0)
    done = models.PositiveIntegerField("作成済件数", default=0)
    file_name = models.CharField("ファイル", max_length=200, blank=True)
    error = models.CharField("エラー", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        "membership.User", verbose_name="実行者", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("実行日時", auto_now_add=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)

    class Meta:
        verbose_name = "請求書の一括作成"
        verbose_name_plural = "請求書の一括作成"
        ordering = ["-requested_at"]

    def __str__(self):
        return (
            f"{self.fiscal_year}年度 {self.get_category_display()} {self.get_state_display()} {self.done}/{self.total}"
        )

    @property
    def percent(self):
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def download_name(self):
        return f"seikyusho-{self.fiscal_year}-{self.category}.{self.format}"
