"""Models of the membership app, one module per area, all importable from here."""

from .accounts import AccountManager, GuestSignUp, PasswordHistory, User
from .applications import MembershipApplication
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
from .members import MEMBER_CONTACT_FIELDS, MEMBER_NAME_FIELDS, PREFECTURE_CHOICES, PREFECTURES, CardCheck, Member

__all__ = [
    "AccountManager",
    "GuestSignUp",
    "PasswordHistory",
    "User",
    "PREFECTURES",
    "PREFECTURE_CHOICES",
    "CardCheck",
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
]
