"""Models of the renewal app, one module per area, all importable from here."""

from .applications import ExtensionApplication, ExtensionProgramme, RenewalApplication
from .checkin import CheckinSettings
from .seminars import Credit, CreditCategory, LectureKind, Registration, RenewalSettings, Seminar, Session

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
    "CheckinSettings",
]
