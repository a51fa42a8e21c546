"""Undoing an applied bank-transfer statement (入金明細の取込): the kind's side.

What the job paid is read back from the history entries it wrote (``imports.invoice.paid``, one
per invoice, with the job number, the row and the receipt number). The money rule is
membership's: ``membership.billing.unpay.unmark_invoices_paid`` makes the invoices unpaid again
unless one changed since or its receipt (領収書) was issued. One thing more is built on a paid
renewal fee: the member card issued for it (資格更新 会員証発行済); such a row blocks too. The
renewal applications are locked first, then the paid rule's locks (attempts, invoices).
"""

from django.contrib.contenttypes.models import ContentType
from wagtail.models import ModelLogEntry

from membership.billing import unpay
from membership.models import Invoice
from renewal.models import RenewalApplication

from ..undo import UndoBlocked, UndoBlocker

CARD_ISSUED_REASON = "この更新料の入金で会員証を発行済みです(資格更新 会員証発行済)。"


class BankTransferUndo:
    undoable = True
    undo_description = (
        "この取込で入金済にした請求を未納に戻します(入金日・入金額・入金種別・領収書番号を消し、備考に加えた内容を除きます)。",
        "付けた領収書番号は使わず、欠番になります。送った入金確認メールは取り消せません。",
        "領収書を発行済みの請求、取込の後に変更された請求、入金で会員証を発行した更新料があると取り消せません。",
    )

    def undo_blockers(self, job):
        payments = self._recorded(job)
        refusals = unpay.unpay_refusals(list(payments.values()))
        return self._blockers(payments, refusals, self._cards_issued(payments, lock=False))

    def undo(self, job, user):
        payments = self._recorded(job)
        issued = self._cards_issued(payments, lock=True)
        if issued:
            raise UndoBlocked(self._blockers(payments, {}, issued))
        try:
            count = unpay.unmark_invoices_paid(payments=list(payments.values()), user=user)
        except unpay.UnpayRefused as refused:
            raise UndoBlocked(self._blockers(payments, refused.refusals, set())) from refused
        return f"入金 {count:,}件を取り消し、請求を未納に戻しました(領収書番号 {count:,}件は欠番になります)。"

    def _recorded(self, job):
        """{invoice id: unpay.RecordedPayment} of what the job paid, in row order."""
        entries = (
            ModelLogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Invoice),
                action=self.paid_action,
                data__import_job=job.pk,
            )
            .order_by("pk")
            .values_list("object_id", "label", "data")
        )
        payments = {}
        for object_id, label, data in entries:
            payments[int(object_id)] = unpay.RecordedPayment(
                invoice_id=int(object_id),
                receipt_number=data.get("receipt_number") or "",
                label=label,
                note=data.get("note") or "",
                log_data={"import_job": job.pk, "row": data.get("row")},
            )
        return dict(sorted(payments.items(), key=lambda item: item[1].log_data["row"] or 0))

    @staticmethod
    def _cards_issued(payments, *, lock):
        """The invoice ids among ``payments`` whose renewal (更新料) had its card issued."""
        applications = RenewalApplication.objects.filter(invoice_id__in=list(payments)).order_by("pk")
        if lock:
            applications = applications.select_for_update()
        return {
            invoice_id
            for invoice_id, state in applications.values_list("invoice_id", "state")
            if state == RenewalApplication.State.ISSUED
        }

    @staticmethod
    def _blockers(payments, refusals, cards_issued):
        blockers = []
        for invoice_id, payment in payments.items():
            reasons = [refusals[invoice_id]] if invoice_id in refusals else []
            if invoice_id in cards_issued:
                reasons.append(CARD_ISSUED_REASON)
            if reasons:
                blockers.append(UndoBlocker(payment.log_data["row"], payment.label, "".join(reasons)))
        return blockers
