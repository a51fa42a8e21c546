"""Loading the database rows a whole file needs in a few queries (members, invoices, sessions)."""

QUERY_CHUNK = 2000


def chunks(items, size=QUERY_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def preload(queryset, key, keys, *, columns):
    """The rows of ``queryset`` whose ``key`` is one of ``keys``, as dicts of ``columns``.

    When the table is not much bigger than the file, one query reads it all (no long IN
    lists to send and parse); otherwise the keys go in chunks of QUERY_CHUNK.
    """
    keys = set(keys)
    if not keys:
        return []
    queryset = queryset.order_by()
    if queryset.count() <= 2 * len(keys):
        return [row for row in queryset.values(*columns) if row[key] in keys]
    rows = []
    for chunk in chunks(keys):
        rows.extend(queryset.filter(**{f"{key}__in": chunk}).values(*columns))
    return rows
