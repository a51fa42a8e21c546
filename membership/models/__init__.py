"""Models of the membership app, one module per area, all importable from here."""

from .accounts import AccountManager, PasswordHistory, User
from .members import PREFECTURE_CHOICES, PREFECTURES, Member

__all__ = ["AccountManager", "PasswordHistory", "User", "PREFECTURES", "PREFECTURE_CHOICES", "Member"]
