"""How the admin shows dates, times and yes/no values: the one owner of that rule.

Moments are stored in UTC (aware datetimes) and always shown in Asia/Tokyo, the site's
``TIME_ZONE``: ``2026/12/07 13:28``. Wagtail's inspect (詳細) views would print a datetime
through ``|localize`` (UTC, 「2026年12月6日19:28」), and Wagtail's CSV/XLSX exports write UTC;
``install()`` (called by ``CoreConfig.ready``) points both at the functions below, so every
inspect view and every spreadsheet export, ours and Wagtail's, shows the same local time.
Listings of ours call ``datetime_display`` / ``date_display`` (``core.dates``) directly.
Yes/no values (inspect fields, yes/no filters in force above a listing) read はい / いいえ.
"""

import datetime

import django_filters
from django.db import models
from django.utils import timezone
from wagtail.admin.active_filters import ActiveFilter, BaseFilterAdapter, register_filter_adapter_class
from wagtail.admin.ui.fields import BaseFieldDisplay, register_display_class
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from .dates import date_display, datetime_display


def local_naive(value):
    """An aware datetime as the naive Asia/Tokyo time a spreadsheet cell holds."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def export_datetime_csv(value):
    return f"{local_naive(value):%Y-%m-%d %H:%M}"


class _TextDisplay(BaseFieldDisplay):
    """A field value on an inspect page, as plain text (escaped by the template)."""

    empty = "-"

    def text(self, value):
        raise NotImplementedError

    def render_html(self, parent_context=None):
        return self.empty if self.value is None or self.value == "" else self.text(self.value)


class DateTimeDisplay(_TextDisplay):
    def text(self, value):
        return datetime_display(value)


class DateDisplay(_TextDisplay):
    def text(self, value):
        return date_display(value)


class BooleanDisplay(_TextDisplay):
    def text(self, value):
        return yes_no(value)


def yes_no(value):
    return "はい" if value else "いいえ"


class BooleanFilterAdapter(BaseFilterAdapter):
    """A yes/no filter in force, above a listing: 「更新料 入金済: はい」, not 「True」."""

    def get_active_filters(self):
        yield ActiveFilter(
            self.bound_field.auto_id,
            self.filter.label,
            yes_no(self.value),
            self.get_url_without_filter_param(self.name),
        )


def install():
    register_display_class(models.DateTimeField, display_class=DateTimeDisplay)
    register_display_class(models.DateField, display_class=DateDisplay)
    register_display_class(models.BooleanField, display_class=BooleanDisplay)
    register_filter_adapter_class(django_filters.BooleanFilter, BooleanFilterAdapter)
    SpreadsheetExportMixin.custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        datetime.datetime: {
            SpreadsheetExportMixin.FORMAT_XLSX: local_naive,
            SpreadsheetExportMixin.FORMAT_CSV: export_datetime_csv,
        },
    }
