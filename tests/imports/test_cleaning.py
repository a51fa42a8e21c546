"""Cleaning a column at once (``clean_many``) gives what cleaning it cell by cell gives."""

import pytest

from imports.widgets import CellError, CodeWidget, EmailWidget, PhoneWidget

COLUMNS = [
    (
        CodeWidget(max_length=7),
        ["0012345", " 0012346 ", "\u30000012347", "A-12", "０１２", "g0000001", "\u3000g0000002", "12345678"],
    ),
    (CodeWidget(max_length=20, required=True), ["C001", "", "x"]),
    (
        EmailWidget(),
        ["a@example.jp", " b.c@example.co.jp ", "", "名前@example.jp", '"q"@example.jp', "bad@", "a" * 255],
    ),
    (EmailWidget(required=True), ["a@example.jp", ""]),
    (EmailWidget(max_length=None), ["a@example.jp", "b@example.jp"]),
    (
        PhoneWidget(),
        ["03-1234-5678", "09012345678", "", " 0312345678 ", "０３１２３４５６７８", "123", "03-1234-567８"],
    ),
]


def cleaned_one_by_one(widget, cells):
    out = []
    for cell in cells:
        try:
            out.append(widget.clean(cell))
        except CellError as error:
            out.append(error.message)
    return out


@pytest.mark.parametrize(("widget", "cells"), COLUMNS)
def test_a_column_cleaned_at_once_is_cleaned_as_cell_by_cell(widget, cells):
    for size in range(1, len(cells) + 1):
        for start in range(len(cells) - size + 1):
            part = cells[start : start + size]
            at_once = widget.clean_many(part)
            if at_once is not None:
                assert at_once == cleaned_one_by_one(widget, part), part


def test_common_columns_are_cleaned_at_once():
    assert CodeWidget().clean_many(["0012345", "A12"]) == ["0012345", "A12"]
    assert EmailWidget().clean_many(["a@example.jp", ""]) == ["a@example.jp", ""]
    assert PhoneWidget().clean_many(["03-1234-5678", ""]) == ["0312345678", ""]
    assert CodeWidget().clean_many([12345, "1"]) is None  # a number cell from XLSX: one by one
