"""Inserting many rows at once: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

Shared plumbing (no rules): the spreadsheet imports write through it, and so does a service
that owns a bulk rule (``renewal.attendance`` inserting the credits of an attendance sheet).

Measured on the 20,000-row member import (PostgreSQL 15, 2 shared cores): ``bulk_create``
of the 20,000 accounts and 20,000 member rows takes about 2.6 s (Django's compiler prepares
every value in Python, then psycopg quotes the UNNEST arrays): more than half of the
4-second budget for 5,000 rows/s. ``COPY`` with psycopg's ``write_row`` takes about 0.5 s.
The rows are tuples of named columns (the member import) or plain dicts by ``attname``, which
are made such tuples first: one ``COPY`` writer takes both. Fields left out get their model
default (``auto_now(_add)`` fields: now). The new primary keys come from the table's sequence.
Only plain column types are accepted on the ``COPY`` path, since values go to psycopg as
they are, without ``get_db_prep_save``.
"""

import operator
import secrets

from django.db import connection, transaction
from django.utils import timezone

BATCH_SIZE = 1000
# insert_new_rows on PostgreSQL: up to this many rows go in one INSERT … VALUES (a temporary
# table pays off for a sheet, not for one check-in).
FEW_ROWS = 20

PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def insert_rows(model, rows, *, columns=None, return_ids=False, id_lookup=None):
    """Insert ``rows`` (dicts by attname; or, with ``columns``, tuples of the values of those
    attnames) in one go; the new primary keys, in order, if asked."""
    rows = list(rows)
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, rows, columns=columns, return_ids=return_ids)
    if columns is not None:
        rows = [dict(zip(columns, row, strict=True)) for row in rows]
    objs = [model(**row) for row in rows]
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    if not return_ids:
        return []
    if any(obj.pk is None for obj in objs):  # a database that cannot return ids
        if id_lookup is None:
            raise ValueError("id_lookup is needed on a database that does not return ids from bulk inserts")
        keys = [getattr(obj, id_lookup) for obj in objs]
        found = {}
        for start in range(0, len(keys), BATCH_SIZE):
            chunk = keys[start : start + BATCH_SIZE]
            found.update(model.objects.filter(**{f"{id_lookup}__in": chunk}).values_list(id_lookup, "pk"))
        return [found[key] for key in keys]
    return [obj.pk for obj in objs]


def _copy_defaults(opts, fields):
    """({attname: value} of the fields left out that take a constant, {attname: callable} of
    those whose default is computed per row); auto_now(_add) fields take now."""
    now = timezone.now()
    constant = {}
    per_row = {}
    for field in fields:
        if field.get_internal_type() not in PLAIN_TYPES:
            raise ValueError(f"{opts.label}.{field.name}: {field.get_internal_type()} cannot be copied as is")
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constant[field.attname] = now
        elif field.has_default() and callable(field.default):
            per_row[field.attname] = field.default
        else:
            constant[field.attname] = field.get_default()
    return constant, per_row


def _new_ids(cursor, opts, count):
    """``count`` new primary keys from the table's sequence. The sequence is looked up once (a
    materialised CTE): in the select list, ``pg_get_serial_sequence`` (a catalog scan) ran for
    every row, 150-230 ms of the server's time for 20,000 ids on a busy machine, 20-30 ms without."""
    quote = connection.ops.quote_name
    cursor.execute(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
        "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
        [quote(opts.db_table), opts.pk.column, count],
    )
    return [value for (value,) in cursor.fetchall()]


def _copy(model, rows, *, columns=None, return_ids, into=None):
    """COPY the rows into the model's table, or into the table ``into`` (quoted) of the same columns.

    The one COPY writer: each row is a tuple of ``columns`` (attnames) that goes to psycopg as it
    is, with the new primary key in front and the other fields' defaults after it. Rows given as
    dicts (no ``columns``) are made such tuples first (``_dict_rows``)."""
    opts = model._meta
    quote = connection.ops.quote_name
    fields = [field for field in opts.concrete_fields if return_ids or not field.primary_key]
    by_attname = {field.attname: field for field in fields}
    constant, per_row = _copy_defaults(opts, fields)
    count = len(rows)
    if columns is None:
        columns, rows = _dict_rows(
            rows, [attname for attname in by_attname if attname != opts.pk.attname], constant, per_row
        )
    else:
        columns = list(columns)
        unknown = [attname for attname in columns if attname not in by_attname]
        if unknown:
            raise ValueError(f"{opts.label} has no column {', '.join(unknown)} to copy")
    computed = [attname for attname in per_row if attname not in columns]
    fixed = [attname for attname in constant if attname not in columns]
    makers = [per_row[attname] for attname in computed]
    tail = tuple(constant[attname] for attname in fixed)
    attnames = [*([opts.pk.attname] if return_ids else []), *columns, *computed, *fixed]
    column_list = ", ".join(quote(by_attname[attname].column) for attname in attnames)
    with connection.cursor() as cursor:
        ids = _new_ids(cursor, opts, count) if return_ids else []
        with cursor.cursor.copy(f"COPY {into or quote(opts.db_table)} ({column_list}) FROM STDIN") as copy:
            write = copy.write_row
            if makers:
                tails = ((*[make() for make in makers], *tail) for _row in range(count))
            else:
                tails = (tail for _row in range(count))
            if return_ids:
                for pk_value, row, row_tail in zip(ids, rows, tails, strict=True):
                    write((pk_value, *row, *row_tail))
            else:
                for row, row_tail in zip(rows, tails, strict=True):
                    write((*row, *row_tail))
    return ids


def _dict_rows(rows, attnames, constant, per_row):
    """(columns, tuples) of rows given as dicts by attname (keys outside ``attnames`` are not
    copied: a primary key given is left to the sequence). The columns are the first row's keys;
    a row of exactly those keys is one itemgetter call (no per-cell Python). Other rows, one value
    at a time: what a row leaves out gets its default, and a key the first row lacks becomes
    one more column (the other rows get its default)."""
    known = set(attnames)
    columns = [attname for attname in rows[0] if attname in known]
    width = len(columns)
    single = width == 1
    # The fast path needs rows of exactly the first row's keys, every one a column.
    getter = operator.itemgetter(*columns) if columns and width == len(rows[0]) else None
    tuples = []
    append = tuples.append
    odd = []  # the positions of the other rows, still dicts in ``tuples``
    for row in rows:
        if getter is not None and len(row) == width:
            try:
                values = getter(row)
            except KeyError:
                pass
            else:
                append((values,) if single else values)
                continue
        odd.append(len(tuples))
        append(row)
    if not odd:
        return columns, tuples
    unseen = known.difference(columns)
    extra = [attname for attname in dict.fromkeys(key for at in odd for key in tuples[at]) if attname in unseen]
    if extra:
        odd_at = set(odd)
        for at, values in enumerate(tuples):
            if at not in odd_at:
                tuples[at] = (*values, *[_copied_value({}, attname, per_row, constant) for attname in extra])
        columns = [*columns, *extra]
    for at in odd:
        tuples[at] = tuple(_copied_value(tuples[at], attname, per_row, constant) for attname in columns)
    return columns, tuples


def _copied_value(row, attname, per_row, constant):
    """A row's value for COPY when the row lacks some of the first row's keys."""
    if attname in row:
        return row[attname]
    if attname in per_row:
        return per_row[attname]()
    return constant[attname]


def update_rows(model, rows, fields):
    """Set ``fields`` on the rows (dicts by attname, with the primary key) in one go.

    On PostgreSQL the values are copied into a temporary table and applied with one
    ``UPDATE … FROM``; ``bulk_update`` (one ``CASE WHEN`` per field and batch) took 13 s
    for 20,000 changed members. Elsewhere ``bulk_update`` in batches.
    """
    rows = list(rows)
    if not rows or not fields:
        return
    opts = model._meta
    pk = opts.pk
    targets = [opts.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model.objects.bulk_update(objs, [field.name for field in targets], batch_size=BATCH_SIZE // 2)
        return
    for field in targets:
        if field.get_internal_type() not in PLAIN_TYPES:
            raise ValueError(f"{opts.label}.{field.name}: {field.get_internal_type()} cannot be copied as is")
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    temp = quote(f"import_{opts.db_table}_{secrets.token_hex(4)}")
    columns = [pk, *targets]
    column_list = ", ".join(quote(field.column) for field in columns)
    assignments = ", ".join(f"{quote(field.column)} = t.{quote(field.column)}" for field in targets)
    attnames = [field.attname for field in columns]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {column_list} FROM {table} WITH NO DATA")
        # No try/finally: after an error the transaction rolls back, and the table with it.
        with cursor.cursor.copy(f"COPY {temp} ({column_list}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write([row[attname] for attname in attnames])
        cursor.execute(
            f"UPDATE {table} AS m SET {assignments} FROM {temp} AS t WHERE m.{quote(pk.column)} = t.{quote(pk.column)}"
        )
        cursor.execute(f"DROP TABLE {temp}")


def _field_value(row, field):
    """``row``'s value of ``field``, or what the field gives when left out (as ``_copy`` does)."""
    if field.attname in row:
        return row[field.attname]
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def insert_new_rows(model, rows, *, key):
    """Insert those ``rows`` whose ``key`` (attnames, e.g. ("member_id", "session_id")) is not
    in the table yet; returns the set of key tuples actually inserted.

    A unique constraint over ``key`` decides. On PostgreSQL the rows are copied straight into
    the table, in a savepoint; if a key is taken, that is undone and the rows are copied into a
    temporary table (up to ``FEW_ROWS`` go straight into a ``VALUES`` list) and inserted with
    one ``INSERT … ON CONFLICT DO NOTHING RETURNING``, so a
    row another transaction committed meanwhile is skipped (and not counted), never doubled
    and never an error. Elsewhere the existing keys are read first, and the rest inserted with
    ``bulk_create(ignore_conflicts=True)`` (SQLite runs one writer at a time).
    """
    rows = list(rows)
    if not rows:
        return set()
    key = tuple(key)
    if connection.vendor != "postgresql":
        wanted = {tuple(row[name] for name in key) for row in rows}
        firsts = sorted({values[0] for values in wanted})
        existing = set()
        for start in range(0, len(firsts), BATCH_SIZE):
            chunk = firsts[start : start + BATCH_SIZE]
            existing.update(model.objects.filter(**{f"{key[0]}__in": chunk}).order_by().values_list(*key))
        new = [row for row in rows if tuple(row[name] for name in key) not in existing]
        model.objects.bulk_create([model(**row) for row in new], batch_size=BATCH_SIZE, ignore_conflicts=True)
        return {tuple(row[name] for name in key) for row in new}
    opts = model._meta
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    temp = quote(f"import_{opts.db_table}_{secrets.token_hex(4)}")
    fields = [field for field in opts.concrete_fields if not field.primary_key]
    column_list = ", ".join(quote(field.column) for field in fields)
    key_columns = ", ".join(quote(opts.get_field(name).column) for name in key)
    if len(rows) <= FEW_ROWS:  # one check-in at the desk: no temporary table to create and drop
        values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
        params = [field.get_db_prep_save(_field_value(row, field), connection) for row in rows for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({column_list}) VALUES {values} ON CONFLICT DO NOTHING RETURNING {key_columns}",
                params,
            )
            return {tuple(values) for values in cursor.fetchall()}
    if _copied_unless_taken(model, rows):
        return {tuple(row[name] for name in key) for row in rows}
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {column_list} FROM {table} WITH NO DATA")
        _copy(model, rows, return_ids=False, into=temp)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {temp} "
            f"ON CONFLICT DO NOTHING RETURNING {key_columns}"
        )
        inserted = {tuple(values) for values in cursor.fetchall()}
        cursor.execute(f"DROP TABLE {temp}")
    return inserted


def _copied_unless_taken(model, rows):
    """COPY the rows straight into the table, in a savepoint; False (nothing written) if a key is
    taken. Most sheets have no key taken (their kind checked them): one COPY instead of a COPY
    into a temporary table and an ``INSERT … ON CONFLICT`` from it (100,000 credits: about
    half the time); a key taken meanwhile falls back to that."""
    from psycopg.errors import UniqueViolation

    try:
        with transaction.atomic():
            _copy(model, rows, return_ids=False)
    except UniqueViolation:
        return False
    return True
