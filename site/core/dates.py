"""Fiscal years (年度, April to March, Asia/Tokyo), calendar arithmetic, and how a date or a
moment is written for staff (a moment always in Asia/Tokyo, the site's ``TIME_ZONE``)."""

import calendar
import datetime

from django.utils import timezone


def fiscal_year_of(day):
    """年度: April to March. 2024-03-31 is fiscal 2023, 2024-04-01 is fiscal 2024."""
    return day.year if day.month >= 4 else day.year - 1


def current_fiscal_year():
    return fiscal_year_of(timezone.localdate())


def add_months(day, months):
    """``day`` moved on by ``months`` (back when negative), keeping month ends: 2028-02-29 + 12
    → 2029-02-28, 2028-04-30 + 1 → 2028-05-31; other days are clamped to a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    at_month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return datetime.date(year, month, last if at_month_end else min(day.day, last))


def date_display(value, empty=""):
    """``2026/12/07``."""
    return f"{value:%Y/%m/%d}" if value else empty


def datetime_display(value, empty=""):
    """An aware moment in Asia/Tokyo: ``2026/12/07 13:28``."""
    return f"{timezone.localtime(value):%Y/%m/%d %H:%M}" if value else empty
