"""Attendance sheets (出席者取込): who attended which session, as credits (受講履歴).

One row is one member at one session: 会員番号, セッションID and optionally 参加形態. Other
columns are read past (the 参加申込 export, a reception sheet's No / 所属), except a name or
furigana column (氏名, フリガナ, 氏名(姓) ...): that is checked against the member the number
matched, and a row whose name is another person's gets a warning (``imports.name_check``).
Member numbers are matched through ``imports.member_lookup`` (``30002`` is member 0030002).

The key. A session is named by its セッションID alone (shown on the seminar's page in the
admin and in the 参加申込 export): one number, unambiguous, and unchanged when staff rename
a seminar or a session. The seminar's and session's names would be neither (two seminars
may share a title, e.g. a yearly course; a session title repeats across seminars).

Classes of rows:

- 新規: the member has no credit for that session yet: the credit is created (source
  出席者取込, the session's points, category and date); the member's live registration for
  that session, if any, is marked attended (参加済) at the same time;
- 参加済にする: the credit exists but the live registration is not marked attended: it is
  marked (no second credit);
- 登録済: the credit exists (and the registration, if any, is attended): nothing changes.
  Importing the same sheet again gives only 登録済 rows;
- エラー: unknown member number (naming the member it probably is when only leading zeros
  differ), unknown session id, a session not held yet (its date after today, Asia/Tokyo: renewal's
  rule, ``attendance.not_held_refusal``; staff correct the date or import later), a malformed
  cell, or the same member and session on two rows of the sheet. Any error blocks the import:
  all rows or nothing.

参加形態 (会場 / eラーニング, optional) is recorded on the registration marked attended; rows
without a registration ignore it.

Applying (the framework's one transaction): the rows the preview checked are kept (``plans``);
under the job's lock the import re-checks what others may have changed (``attendance_plan``),
and the rows that change something go to renewal's
one attendance service, ``renewal.attendance.mark_attended_bulk`` (which owns the rule and
writes: registrations still live and unattended marked with one UPDATE per chunk, each with a
history entry ``renewal.registration.attended`` naming the job and row; the credits inserted
with ``INSERT … ON CONFLICT DO NOTHING``, COPY-fed on PostgreSQL). A credit awarded by a staff
member between preview and confirm is neither doubled nor fails the import: that row is
counted 登録済 in the result, as is a registration changed meanwhile.

Review and undo (``attendance_undo``): the credits and registrations the job wrote carry its
number; 「取り込みを取り消す」 deletes and unmarks them through ``renewal.attendance_undo``.

Speed: members, sessions, the sessions' credits and live registrations are loaded in a few
queries for the whole sheet (dicts by key); rows are checked in Python.
"""

import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone
from import_export import resources
from import_export.widgets import Widget

from membership.models import Member
from renewal import attendance
from renewal.models import Credit, Registration, Session

from .. import name_check
from ..loading import chunks
from ..member_lookup import MemberLookup, probable_text
from ..name_check import NameColumns
from ..registry import ImportField, ImportKind, register
from ..report import ERROR, NEW, UNCHANGED, UPDATED, Outcome
from ..resources import member_number_field
from ..services import ImportJobError
from ..widgets import REQUIRED_MESSAGE, CellError, ChoiceLabelWidget, cell_text
from . import attendance_template
from .attendance_plan import AttendancePlanKeeping
from .attendance_undo import AttendanceUndo

ATTEND = "attend"  # credit exists, registration to mark attended
KNOWN = "known"

OUTCOMES = (
    Outcome(NEW, "新規", NEW),
    Outcome(ATTEND, "参加済にする", UPDATED),
    Outcome(KNOWN, "登録済", UNCHANGED),
    Outcome(ERROR, "エラー", ERROR),
)
DETAIL_COLUMN = "内容"


class SessionIdWidget(Widget):
    """A session id: a positive whole number (``12``, ``１２``, or a number cell)."""

    message = "セッションIDは数字で入力してください(学会・セミナーの詳細画面に表示されます)。"

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = value.strip() if value.__class__ is str else cell_text(value)
            if text and not text.isascii():
                text = unicodedata.normalize("NFKC", text).strip()
        if not text:
            raise CellError(REQUIRED_MESSAGE)
        if not (text.isascii() and text.isdigit()) or int(text) <= 0:
            raise CellError(self.message)
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def _format_widget():
    widget = ChoiceLabelWidget(Registration.Format.choices, default="")
    widget.by_label.update({"eラーニング": Registration.Format.ELEARNING, "e-ラーニング": Registration.Format.ELEARNING,
                            "Web": Registration.Format.ELEARNING, "会場参加": Registration.Format.ONSITE})  # fmt: skip
    return widget


class AttendanceResource(resources.ModelResource):
    member_number = member_number_field(example="0012345")
    session_id = ImportField(
        attribute="session_id",
        column_name="セッションID",
        widget=SessionIdWidget(),
        required=True,
        help_text="学会・セミナーの詳細画面のセッション一覧、または参加申込のエクスポートに表示される番号。",
        example="12",
    )
    participation_format = ImportField(
        attribute="participation_format",
        column_name="参加形態",
        widget=_format_widget(),
        help_text="会場 または eラーニング(空欄可)。参加申込がある会員では、その参加形態として記録します。",
        example="会場",
    )

    class Meta:
        model = Credit
        fields = ("member_number", "session_id", "participation_format")
        import_order = fields
        export_order = fields


@dataclass
class AttendancePlan:
    # (row, preview cells, outcome, renewal.attendance.Attendance): the rows that change
    # something (新規, 参加済にする), in file order
    rows: list = field(default_factory=list)
    # (row, member id, session id, 参加形態, outcome, preview cells, name warned) of every row
    # without an error: what the preview keeps for the import (``attendance_plan``)
    checked: list = field(default_factory=list)


@register
class AttendanceImport(AttendancePlanKeeping, AttendanceUndo, ImportKind):
    key = "attendance"
    label = "出席者(受講履歴)"
    order = 20
    resource_class = AttendanceResource
    outcomes = OUTCOMES
    summary_outcomes = (NEW, ATTEND, KNOWN)
    reimport_note = "受講履歴の登録済みの行は「登録済」になり、もう一度取り込んでも何も変わりません。"
    description = (
        "学会・セミナーの出席者の一覧から、会員の受講履歴(点数)を登録します。1行が1人の1セッションへの出席です。"
        "セッションはセッションIDで指定します。参加申込のある会員は、その参加申込も参加済にします。"
    )
    notes = (
        "1行目に見出し(テンプレートと同じ列名)、2行目から1行に1人・1セッションを入れてください。列の順番は自由です。"
        "テンプレートにない列(No・所属など)は読み飛ばします。氏名・フリガナの列があれば会員の登録と照らし合わせ、"
        "違う行を「確認してください」に表示します。",
        "CSV は UTF-8(BOM 付きでも可)か Shift_JIS(Excel の「CSV(コンマ区切り)」)、または Excel ブック(.xlsx)の最初のシート。",
        "セッションIDは、管理画面の「学会・セミナー」で学会・セミナーを開くと、セッション一覧の左端に表示されます。"
        "参加申込の一覧をエクスポートしたファイルにも「セッションID」列があり、そのまま使えます"
        "(学会・セミナー名やセッション名は同じ名前が複数あり得るため、使いません)。"
        f"Excel のテンプレートの「セッション一覧」シートには、過去{attendance_template.SESSIONS_LISTED_DAYS}日間に"
        "開催されたセッションのセッションIDが並んでいます。",
        "参加申込のある会員を入れたファイル(会員番号・氏名・セッションID・参加形態)は、学会・セミナーの詳細画面の"
        "セッション一覧の「出席者シート」からダウンロードできます。欠席した会員の行を削除して取り込んでください"
        "(氏名の列は確認用です。会員の登録と違う行は「確認してください」に表示しますが、取込には影響しません)。",
        "受講履歴のない会員には、そのセッションの点数・更新条件集計種別・開催日で受講履歴を登録します(新規)。"
        "参加申込のある会員は、その参加申込も参加済にします。",
        "同じセッションの受講履歴がすでにある行は「登録済」で、何も変わりません。同じファイルをもう一度取り込んでも変わりません。",
        "開催日がまだ来ていないセッションの行はエラーです(開催日が違う場合は、セッションの開催日を直してください)。",
        "エラー(存在しない会員番号・セッションID、同じ会員とセッションの行が2行以上、形式の誤り)が1件でもあると取り込めません。"
        "全件そろって取り込むか、何も変更しないかのどちらかです。",
    )
    detail_column = DETAIL_COLUMN
    preview_columns = ("会員番号", "セッションID", "参加形態")
    extra_columns = name_check.HEADINGS

    # --- validation ------------------------------------------------------------------------
    def validate(self, table, report, progress=None):
        rows = list(self.clean_rows(table, report, progress))
        numbers = {values["member_number"] for _n, values, _e, _r in rows if values.get("member_number")}
        session_ids = {values["session_id"] for _n, values, _e, _r in rows if values.get("session_id")}

        names = NameColumns(table.headers)
        members = MemberLookup(
            numbers, queryset=Member.objects.all(), columns=["id", *(name_check.MEMBER_COLUMNS if names else ())]
        )
        sessions = self.load_sessions(session_ids)
        credited = self.credited(sessions)
        registrations = self.live_registrations(sessions)
        today = timezone.localdate()
        not_held = {pk: attendance.not_held_refusal(session["date"], today=today) for pk, session in sessions.items()}

        plan = AttendancePlan()
        first_row = {}
        for number, values, errors, raw in rows:
            member_number, session_id = values.get("member_number"), values.get("session_id")
            member = members.get(member_number) if member_number else None
            member_id = member["id"] if member else None
            session = sessions.get(session_id) if session_id else None
            if member_number and member is None:
                errors.append(("会員番号", self.not_found(member_number, members.probably(member_number))))
            if session_id and session is None:
                errors.append(("セッションID", f"セッションID {session_id} のセッションがありません。"))
            if session and not_held[session_id]:
                errors.append(
                    ("セッションID", f"セッションID {session_id}({session['label']}): {not_held[session_id]}")
                )
            participation_format = values.get("participation_format")
            if session and participation_format and not self.format_offered(session, participation_format):
                label = Registration.Format(participation_format).label
                errors.append(("参加形態", f"このセッションの学会・セミナーは{label}で開催されていません。"))
            if member_id and session:
                first = first_row.setdefault((member_id, session_id), number)
                if first != number:
                    errors.append(
                        ("会員番号", f"{first}行目と同じ会員・セッションです(1人1セッションにつき1行にしてください)。")
                    )
            if errors:
                report.add(ERROR, number, self.cells(table, raw, errors[0][1]) if report.wants_sample(ERROR) else ())
                for column, message in errors:
                    report.add_error(number, column, message)
                continue
            warnings = names.check(raw, member) if names else ()
            for column, message in warnings:
                report.add_warning(number, column, message)
            cells = self.sample_cells(table, raw)
            outcome, detail, item = self.classify(
                number, member_id, session, participation_format, bool(warnings),
                credited=(member_id, session_id) in credited, registration=registrations.get((member_id, session_id)),
            )  # fmt: skip
            if item is not None:
                plan.rows.append((number, cells, outcome, item))
            plan.checked.append((number, member_id, session_id, participation_format, outcome, cells, bool(warnings)))
            report.add(outcome, number, [*cells, detail])
        if members.note():
            report.notes.append(members.note())
        return plan

    @staticmethod
    def classify(number, member_id, session, participation_format, warned, *, credited, registration):
        """A checked row's (class, sentence, ``renewal.attendance.Attendance`` to write or None).
        ``registration``: the member's live one for the session, (id, attended at), or None."""
        to_mark = registration is not None and registration[1] is None
        label = session["label"]
        if not credited:
            detail = f"{label}({session['points']}点)を登録します" + ("。参加申込を参加済にします" if to_mark else "")
            outcome = NEW
        elif to_mark:
            detail = f"{label}の受講履歴は登録済です。参加申込を参加済にします"
            outcome = ATTEND
        else:
            detail = f"{label}の受講履歴は登録済です"
            outcome = KNOWN
        if warned:
            detail += "(氏名を確認してください)"
        if outcome == KNOWN:
            return outcome, detail, None
        item = attendance.Attendance(
            member_id,
            session["id"],
            registration[0] if to_mark else None,
            (participation_format or "") if to_mark else "",
            number,
            label,
        )
        return outcome, detail, item

    @staticmethod
    def not_found(member_number, probable):
        message = f"会員番号 {member_number} の会員が見つかりません。"
        if probable is not None:
            message += (
                f"先頭の0だけが違う会員 {probable_text(probable)}がいます。"
                f"その会員なら会員番号を {probable['member_number']} にしてください。"
            )
        return message

    @staticmethod
    def format_offered(session, participation_format):
        if participation_format == Registration.Format.ONSITE:
            return session["seminar__onsite"]
        return session["seminar__elearning"]

    def load_sessions(self, session_ids):
        sessions = {}
        for chunk in chunks(sorted(session_ids)):
            for row in (
                Session.objects.filter(pk__in=chunk)
                .order_by()
                .values(
                    "id",
                    "title",
                    "points",
                    "held_on",
                    "seminar__starts_on",
                    "seminar__title",
                    "seminar__onsite",
                    "seminar__elearning",
                )
            ):
                row["label"] = f"{row['seminar__title']} {row['title']}"
                row["date"] = row["held_on"] or row["seminar__starts_on"]  # Session.date
                sessions[row["id"]] = row
        return sessions

    def credited(self, sessions):
        """{(member id, session id)} of the credits the sessions already gave."""
        found = set()
        for chunk in chunks(sorted(sessions)):
            found.update(Credit.objects.filter(session_id__in=chunk).order_by().values_list("member_id", "session_id"))
        return found

    def live_registrations(self, sessions):
        """(member id, session id) → (registration id, attended_at) of the live registrations."""
        found = {}
        for chunk in chunks(sorted(sessions)):
            rows = (
                Registration.objects.filter(session_id__in=chunk, state=Registration.State.APPLIED)
                .order_by()
                .values_list("member_id", "session_id", "id", "attended_at")
            )
            for member_id, session_id, pk, attended_at in rows:
                found[(member_id, session_id)] = (pk, attended_at)
        return found

    # --- writing: through renewal's attendance service ----------------------------------------
    def write(self, plan, report):
        if not plan.rows:
            return
        user = get_user_model().objects.filter(pk=report.user_id).first() if report.user_id else None
        try:
            done = attendance.mark_attended_bulk(
                attendances=[item for _number, _raw, _outcome, item in plan.rows],
                user=user,
                via=attendance.IMPORT,
                import_job=report.job_id,
            )
        except attendance.AttendanceError as error:  # a session's date moved after the check
            raise ImportJobError(f"{error}何も取り込んでいません。もう一度アップロードしてください。") from error
        for number, cells, outcome, item in plan.rows:
            marked = item.registration_id in done.marked
            if outcome == NEW and (item.member_id, item.session_id) not in done.credited:
                # Awarded meanwhile (a staff member marked the attendance after the preview): not doubled.
                detail = f"{item.label}の受講履歴は確認の後に登録されていました"
                if marked:
                    detail += "。参加申込を参加済にしました"
                report.reclassify(number, NEW, ATTEND if marked else KNOWN, [*cells, detail])
            elif outcome == ATTEND and not marked:  # cancelled or marked since the preview
                detail = f"{item.label}の受講履歴は登録済です(参加申込は確認の後に変更されていました)"
                report.reclassify(number, ATTEND, KNOWN, [*cells, detail])

    # --- templates: the sessions to import, and a sheet pre-filled with a session's registrations --
    def add_template_sheets(self, workbook):
        attendance_template.add_sessions_sheet(workbook)

    def prefilled_csv(self, session):
        return attendance_template.prefilled_csv(self, session)

    def prefilled_xlsx(self, session):
        return attendance_template.prefilled_xlsx(self, session)
