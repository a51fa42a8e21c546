"""The floor an import is measured against: a raw ``COPY`` of the rows it wrote.

After a run of the import, ``read_back`` takes the rows it inserted (every column, as the
database holds them); ``copy_rows`` writes the same rows into the same table with psycopg 3's
``cursor.copy`` and nothing else: no reading, cleaning, matching or report. Both run in the
same test, on the same database, one after the other, so that the ratio holds on a busy machine.
"""

import statistics

from django.db import connection


def has_copy():
    return connection.vendor == "postgresql"


def skip_note(name):
    """Printed instead of a ratio on a database without COPY."""
    return f"SKIP {name}: {connection.vendor} has no COPY; run make bench with DATABASE_URL=postgres://..."


def read_back(model, where="", params=()):
    """(column names, rows) of the model's table, every column, in primary-key order."""
    columns = [field.column for field in model._meta.concrete_fields]
    quote = connection.ops.quote_name
    sql = f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)} {where} ORDER BY 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return columns, cursor.fetchall()


def copy_rows(model, columns, rows):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        statement = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)


def ratio(anchors, imports):
    """The median over the runs of (anchor time / import time), each pair measured back to back."""
    return statistics.median(anchor / seconds for anchor, seconds in zip(anchors, imports, strict=True))
