"""Cleaning a file's cells with the columns' widgets, fast: ``ImportKind.clean_rows``.

Rows are cleaned column by column, a block of rows at a time (the kind's ``progress_step``,
so that the job's rows-checked count moves), and each distinct text cell of a column only once:
a widget's ``clean`` is a function of the cell alone and its values are immutable (text,
dates, numbers), and most columns repeat (statuses, prefectures, dates, workplaces). A column
whose first block is mostly distinct cells (numbers, e-mail addresses, phones) is then cleaned
cell by cell in one list, without remembering (the memo would only cost time there).

A block is turned into its columns once (``zip(*block)``) and each column is mapped through
its widget or its memo in C (``map``), not cell by cell in Python. ``clean_table`` yields each
row's values as one tuple in the order of the fields: the member list keeps that tuple from
cleaning to writing (no dict per row, 20,000 of them, to build, pickle and unpickle).
``clean_rows`` makes the dict by attribute the other kinds read.
"""

from .widgets import CellError

# Distinct text cells per column whose cleaned value ``clean_rows`` remembers from block to
# block (a widget's ``clean`` is a function of the cell alone): a column of unique values stops there.
MEMO_CELLS = 5000
# A column with more distinct cells than this share of the first block is read as unique.
UNIQUE_SHARE = 0.5
_MISSING = object()


def _clean_column(cells, widget, memo):
    """The cleaned values (or ``CellError``) of one column of a block of rows, each distinct text
    cell cleaned once; and whether any failed. Other cells (numbers, dates from XLSX) one by one.
    ``memo`` None: a column of unique values (numbers, e-mails, phones), cleaned cell by cell, or
    at once by the widget's ``clean_many`` when it has one and every cell is of the common kind."""
    clean = widget.clean
    if memo is None:
        many = getattr(widget, "clean_many", None)
        cleaned = many(cells) if many is not None else None
        if cleaned is not None:
            return cleaned, False
        try:
            return list(map(clean, cells)), False  # the common case: no cell fails
        except CellError:
            cleaned = [_clean_cell(clean, cell) for cell in cells]
            return cleaned, True
    local = {}
    plain = True
    failed = False
    for cell in set(cells):
        if cell.__class__ is not str and cell is not None:
            plain = False
            continue
        value = memo.get(cell, _MISSING)
        if value is _MISSING:
            value = _clean_cell(clean, cell)
            if len(memo) < MEMO_CELLS:
                memo[cell] = value
        local[cell] = value
        failed = failed or isinstance(value, CellError)
    if plain:
        return list(map(local.__getitem__, cells)), failed
    cleaned = [local[cell] if cell.__class__ is str or cell is None else _clean_cell(clean, cell) for cell in cells]
    return cleaned, failed or any(isinstance(value, CellError) for value in cleaned)


def _clean_cell(clean, cell):
    try:
        return clean(cell)
    except CellError as error:
        return error


def clean_table(fields, table, *, every, progress=None):
    """Yield ``(row_number, values, errors, cells)`` for every data row, ``values`` a tuple in
    the order of ``fields`` (a column the file leaves out is read as blank; a cell that failed
    is None, and ``errors`` has its column and message)."""
    index = {header: position for position, header in enumerate(table.headers)}
    read = []  # (position in fields, position in the row, column name, clean)
    absent = []  # (position in fields, blank value)
    for which, field in enumerate(fields):
        if field.column_name in index:
            read.append((which, index[field.column_name], field.column_name, field.widget))
        else:
            absent.append((which, field.widget.clean(None)))
    memos = [{} for _column in read]  # per column: text cell → cleaned value or CellError
    width = len(table.headers)
    blank = [(value,) for _which, value in absent]
    for start in range(0, len(table.rows), every):
        rows = table.rows[start : start + every]
        block = [raw if len(raw) >= width else [*raw, *[None] * (width - len(raw))] for _number, raw in rows]
        cells_of = list(zip(*block, strict=False)) if block else []  # the columns (a longer row: cut)
        columns = [None] * len(fields)
        failing = []
        for slot, ((which, position, column, widget), memo) in enumerate(zip(read, memos, strict=True)):
            cleaned, failed = _clean_column(cells_of[position], widget, memo)
            if memo is not None and len(memo) >= UNIQUE_SHARE * len(block) and start == 0:
                memos[slot] = None  # mostly unique in the first block: remembering is only overhead
            columns[which] = cleaned
            if failed:
                failing.append((which, column))
        for (which, _value), value in zip(absent, blank, strict=True):
            columns[which] = value * len(rows)
        for (number, _raw), raw, values in zip(rows, block, zip(*columns, strict=True), strict=True):
            errors = []
            for which, column in failing:
                value = values[which]
                if isinstance(value, CellError):
                    errors.append((column, value.message))
            if errors:
                values = tuple(None if isinstance(value, CellError) else value for value in values)
            yield number, values, errors, raw
        count = start + len(rows)
        if progress is not None and count % every == 0:
            progress(count)


def clean_rows(fields, table, *, every, progress=None):
    """Yield ``(row_number, values, errors, cells)`` for every data row (``ImportKind.clean_rows``):
    ``clean_table``'s rows with ``values`` a dict by attribute, without the cells that failed."""
    attributes = [field.attribute for field in fields]
    attribute_of = {field.column_name: field.attribute for field in fields}
    for number, values, errors, raw in clean_table(fields, table, every=every, progress=progress):
        row = dict(zip(attributes, values, strict=True))
        for column, _message in errors:
            row.pop(attribute_of[column], None)
        yield number, row, errors, raw
