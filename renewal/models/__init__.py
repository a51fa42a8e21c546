"""Models of the renewal app, one module per area, all importable from here."""

from .applications import ExtensionApplication, ExtensionProgramme, RenewalApplication
from .checkin import CheckinSettings
from .seminars import Credit, CreditCategory, LectureKind, Registration, RenewalSettings, Seminar, Session
from .waiting_list import WaitlistEntry

__all__ = [
    "RenewalSettings",
    "CreditCategory",
    "LectureKind",
    "Seminar",
    "Session",
    "Registration",
    "Credit",
    "RenewalApplication",
    "ExtensionProgramme",
    "ExtensionApplication",
    "WaitlistEntry",
    "CheckinSettings",
]
