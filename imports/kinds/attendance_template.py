"""The attendance import's sheets: the sessions open for import, and a sheet pre-filled with a
session's registrations.

「セッション一覧」 (a sheet of the XLSX template): the sessions held recently, i.e. whose date
(the session's 開催日, else its seminar's first day) is today or earlier, Asia/Tokyo, and not
older than SESSIONS_LISTED_DAYS; newest first; one query. Staff look a セッションID up there
instead of opening each seminar.

The pre-filled sheet (``imports:attendance_template``, linked from the seminar's page in the
admin): one row per live registration (申込済) of the session, by member number: 会員番号,
氏名 (for reading: which row is whom), セッションID and 参加形態 (the registration's). Staff
delete the rows of those who did not come and upload the rest. 氏名 is not a column the import
writes: it checks it against the member of the row (a warning when it differs, ``name_check``).
"""

import datetime

from django.db.models.functions import Coalesce
from django.utils import timezone

from renewal.models import Registration, Session

from .. import sheets

SESSIONS_LISTED_DAYS = 365
SESSION_HEADERS = ["セッションID", "学会・セミナー", "セッション", "開催日", "点数"]
NAME_COLUMN = "氏名"
PREFILLED_NOTES = (
    "このファイルには、セッションに参加申込のある会員(申込済)を会員番号順に入れてあります。",
    "欠席した会員の行を削除してから、「取込」の「出席者(受講履歴)」でアップロードしてください。"
    "申込のない出席者は行を足してください(会員番号とセッションID)。",
    "氏名の列は確認用です。会員番号の会員の氏名と違う行は、取込の確認画面の「確認してください」に表示します"
    "(受講履歴には影響しません)。",
    "参加形態は参加申込の内容です。実際と違う場合は 会場 または eラーニング に直してください。",
)


def sessions_open_for_import(today=None, days=SESSIONS_LISTED_DAYS):
    """[(セッションID, 学会・セミナー, セッション, 開催日, 点数)] of the sessions held in the last ``days`` days."""
    today = today or timezone.localdate()
    return list(
        Session.objects.annotate(day=Coalesce("held_on", "seminar__starts_on"))
        .filter(day__lte=today, day__gt=today - datetime.timedelta(days=days))
        .order_by("-day", "seminar_id", "sort_order", "pk")
        .values_list("pk", "seminar__title", "title", "day", "points")
    )


def add_sessions_sheet(workbook, today=None):
    sheet = workbook.create_sheet("セッション一覧")
    rows = sessions_open_for_import(today)
    sheets.fill_table(sheet, SESSION_HEADERS, rows, date_columns={"開催日"})
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 30
    if not rows:
        sheet.cell(row=2, column=1, value=f"過去{SESSIONS_LISTED_DAYS}日間に開催されたセッションはありません。")
    return sheet


def prefilled_headers(kind):
    """The kind's columns with 氏名 after 会員番号."""
    headers = kind.headers()
    return [*headers[:1], NAME_COLUMN, *headers[1:]]


def prefilled_rows(session):
    """One row per live registration of ``session``, by member number (one query)."""
    registrations = (
        Registration.objects.filter(session=session, state=Registration.State.APPLIED)
        .order_by("member__member_number")
        .values_list("member__member_number", "member__family_name", "member__given_name", "participation_format")
    )
    formats = dict(Registration.Format.choices)
    return [
        [number, f"{family} {given}".strip(), session.pk, formats.get(participation_format, "")]
        for number, family, given, participation_format in registrations
    ]


def prefilled_csv(kind, session):
    return sheets.csv_bytes(prefilled_headers(kind), prefilled_rows(session))


def prefilled_xlsx(kind, session):
    workbook = sheets.new_workbook()
    sheet = workbook.active
    sheet.title = f"セッション{session.pk}"
    text_columns = {field.column_name for field in kind.fields() if field.text_column}
    sheets.fill_table(
        sheet,
        prefilled_headers(kind),
        prefilled_rows(session),
        text_columns=text_columns,
        reference_columns={NAME_COLUMN},
    )
    sheet.column_dimensions["B"].width = 20
    notes = [f"{session.seminar.title} {session.title}(セッションID {session.pk})", *PREFILLED_NOTES]
    sheets.add_instructions(workbook, kind, notes=notes)
    return sheets.workbook_bytes(workbook)
