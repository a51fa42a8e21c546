"""Plain SQL for the money hot paths (gateway notifications, marking an invoice paid).

These run for every notification the gateway sends, so their statements are written by hand
instead of through the ORM; see ``notifications`` and ``invoices.mark_invoice_paid``.
"""

from django.db import connection
from django.utils import timezone


def execute(statement, params=()):
    """Run one statement on the default connection; the first row it returns, if any."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() if cursor.description else None


def table(model):
    """The model's table name, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def db_now():
    """Now, as the database takes a datetime parameter."""
    return connection.ops.adapt_datetimefield_value(timezone.now())
