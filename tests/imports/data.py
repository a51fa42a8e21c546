"""Member-list files for the import tests and the benchmark."""

import csv
import io

HEADERS = [
    "会員番号", "氏名(姓)", "氏名(名)", "フリガナ(姓)", "フリガナ(名)", "代替文字", "生年月日", "メールアドレス",
    "自宅郵便番号", "自宅都道府県", "自宅住所1", "自宅住所2", "勤務先名", "勤務先郵便番号", "勤務先都道府県",
    "勤務先住所1", "勤務先住所2", "郵送先", "電話番号", "携帯番号", "会員ステータス", "入会日", "技師認定番号",
    "認定有効期限",
]  # fmt: skip

_FAMILY = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("髙橋", "タカハシ"), ("田中", "タナカ")]
_GIVEN = [("花子", "ハナコ"), ("太郎", "タロウ"), ("優子", "ユウコ"), ("健", "ケン"), ("美咲", "ミサキ")]


def member_row(i, **overrides):
    """One valid row as a dict by header; member numbers keep their leading zeros."""
    family, family_kana = _FAMILY[i % len(_FAMILY)]
    given, given_kana = _GIVEN[(i // 5) % len(_GIVEN)]
    row = {
        "会員番号": f"{i + 1:07d}",
        "氏名(姓)": family,
        "氏名(名)": given,
        "フリガナ(姓)": family_kana,
        "フリガナ(名)": given_kana,
        "代替文字": "高橋" + given if family == "髙橋" else "",
        "生年月日": f"19{60 + i % 40}/{i % 12 + 1:02d}/{i % 28 + 1:02d}",
        "メールアドレス": f"member{i + 1}@example.jp",
        "自宅郵便番号": "100-0001",
        "自宅都道府県": "東京都",
        "自宅住所1": f"千代田区千代田{i % 9 + 1}-{i % 20 + 1}",
        "自宅住所2": "",
        "勤務先名": "中央病院 内視鏡センター",
        "勤務先郵便番号": "5300001",
        "勤務先都道府県": "大阪府",
        "勤務先住所1": "北区梅田1-1",
        "勤務先住所2": "",
        "郵送先": "自宅",
        "電話番号": f"03-{i % 10000:04d}-{i % 7000:04d}",
        "携帯番号": f"090{i:08d}"[:11],
        "会員ステータス": "正会員",
        "入会日": "2010-04-01",
        "技師認定番号": f"{i + 1:06d}",
        "認定有効期限": "2027/03/31",
    }
    row.update(overrides)
    return row


def member_rows(count, start=0):
    return [member_row(i) for i in range(start, start + count)]


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- spreadsheets as staff make them (the hidden cases of issue 12) ----------------------------


def staff_xlsx(headers, rows, *, title=None, trailing_blank_rows=30):
    """A first sheet as staff make it in Excel: a title and an empty row above the headings when
    ``title`` is given, cells as typed (numbers and dates as number and date cells), ``None`` rows
    as blank lines, and formatted but empty rows at the end (what Excel keeps after a delete)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append([] if row is None else [row.get(header) for header in headers])
    last = sheet.max_row
    for number in range(last + 1, last + 1 + trailing_blank_rows):
        for column in range(1, len(headers) + 1):
            sheet.cell(row=number, column=column).number_format = "@"
    sheet.cell(row=last + 2, column=1).value = " "  # a cell "cleared" with a space
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def excel_csv(headers, rows):
    """What Excel's 「CSV(コンマ区切り)」 writes: Shift_JIS (cp932), CRLF, cells as displayed
    (dates 2025/9/1, numbers without their leading zeros), blank lines as commas."""
    from datetime import date, datetime

    def shown(value):
        if value is None:
            return ""
        if isinstance(value, (date, datetime)):
            return f"{value.year}/{value.month}/{value.day}"
        return str(value)

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([""] * len(headers) if row is None else [shown(row.get(header)) for header in headers])
    return buffer.getvalue().encode("cp932")
