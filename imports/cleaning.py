"""Cleaning a file's cells with the columns' widgets, fast: ``ImportKind.clean_rows``.

Rows are cleaned column by column, a block of rows at a time (the kind's ``progress_step``,
so that the job's rows-checked count moves), and each distinct text cell of a column only once:
a widget's ``clean`` is a function of the cell alone and its values are immutable (text,
dates, numbers), and most columns repeat (statuses, prefectures, dates, workplaces). A column
whose first block is mostly distinct cells (numbers, e-mail addresses, phones) is then cleaned
cell by cell in one list, without remembering (the memo would only cost time there).
"""

from .widgets import CellError

# Distinct text cells per column whose cleaned value ``clean_rows`` remembers from block to
# block (a widget's ``clean`` is a function of the cell alone): a column of unique values stops there.
MEMO_CELLS = 5000
# A column with more distinct cells than this share of the first block is read as unique.
UNIQUE_SHARE = 0.5
_MISSING = object()


def _clean_column(block, position, clean, memo):
    """The cleaned values (or ``CellError``) of one column of a block of rows, each distinct text
    cell cleaned once; and whether any failed. Other cells (numbers, dates from XLSX) one by one.
    ``memo`` None: a column of unique values (numbers, e-mails, phones), cleaned cell by cell."""
    cells = [raw[position] for raw in block]
    if memo is None:
        try:
            return [clean(cell) for cell in cells], False  # the common case: no cell fails
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
        return [local[cell] for cell in cells], failed
    cleaned = [local[cell] if cell.__class__ is str or cell is None else _clean_cell(clean, cell) for cell in cells]
    return cleaned, failed or any(isinstance(value, CellError) for value in cleaned)


def _clean_cell(clean, cell):
    try:
        return clean(cell)
    except CellError as error:
        return error


def clean_rows(fields, table, *, every, progress=None):
    """Yield ``(row_number, values, errors, cells)`` for every data row (``ImportKind.clean_rows``)."""
    index = {header: position for position, header in enumerate(table.headers)}
    plan = []
    absent = {}
    for field in fields:
        if field.column_name in index:
            plan.append((index[field.column_name], field.column_name, field.widget.clean))
        else:
            absent[field.attribute] = field.widget.clean(None)
    attributes = [field.attribute for field in fields if field.column_name in index]
    memos = [{} for _column in plan]  # per column: text cell → cleaned value or CellError
    width = len(table.headers)
    for start in range(0, len(table.rows), every):
        rows = table.rows[start : start + every]
        block = [raw if len(raw) >= width else [*raw, *[None] * (width - len(raw))] for _number, raw in rows]
        columns, failing = [], []
        for which, ((position, column, clean), memo) in enumerate(zip(plan, memos, strict=True)):
            cleaned, failed = _clean_column(block, position, clean, memo)
            if memo is not None and len(memo) >= UNIQUE_SHARE * len(block) and start == 0:
                memos[which] = None  # mostly unique in the first block: remembering is only overhead
            columns.append(cleaned)
            if failed:
                failing.append((len(columns) - 1, column))
        for (number, _raw), raw, cleaned in zip(
            rows, block, zip(*columns, strict=True) if columns else [()] * len(rows), strict=True
        ):
            values = (
                {**absent, **dict(zip(attributes, cleaned, strict=True))}
                if absent
                else dict(zip(attributes, cleaned, strict=True))
            )
            errors = []
            for position, column in failing:
                value = cleaned[position]
                if isinstance(value, CellError):
                    errors.append((column, value.message))
                    del values[attributes[position]]
            yield number, values, errors, raw
        count = start + len(rows)
        if progress is not None and count % every == 0:
            progress(count)
