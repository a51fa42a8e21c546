"""Models of the membership app, one module per area, all importable from here."""

from .accounts import AccountManager, PasswordHistory, ThrottleHit, User
from .applications import MembershipApplication
from .autopay import AutoCharge, AutoChargeRun, AutoPay
from .billing import (
    CVS_CHAINS,
    DuesRule,
    DuesRun,
    GatewayNotification,
    Invoice,
    Payment,
    Receipt,
    ReceiptCounter,
)
from .invoice_documents import InvoiceDocument, InvoiceDocumentBatch
from .members import MEMBER_CONTACT_FIELDS, MEMBER_NAME_FIELDS, PREFECTURE_CHOICES, PREFECTURES, Member

__all__ = [
    "AccountManager",
    "ThrottleHit",
    "PasswordHistory",
    "User",
    "PREFECTURES",
    "PREFECTURE_CHOICES",
    "Member",
    "MembershipApplication",
    "MEMBER_CONTACT_FIELDS",
    "MEMBER_NAME_FIELDS",
    "CVS_CHAINS",
    "DuesRule",
    "DuesRun",
    "GatewayNotification",
    "Invoice",
    "Payment",
    "Receipt",
    "ReceiptCounter",
    "AutoPay",
    "AutoChargeRun",
    "AutoCharge",
    "InvoiceDocument",
    "InvoiceDocumentBatch",
]
