"""Member-list import (会員名簿): migrating the member list from the old system.

Rows are matched by member number, as ``imports.member_lookup`` matches it (Excel's dropped
zeros put back: ``35002`` is member 0035002; a number stored before the width was fixed still
matches as typed). A number that differs from a member's, or another new row's, only by leading
zeros is refused with the member it probably is: never a second member. A known member whose
name or furigana in the file is another person's (spelling variants aside) gets a warning. A
column left out of the file keeps the known members' values (new members get a blank). A new
number creates an account (login id = member
number, the e-mail, kind "member", no usable password: imported members sign in for the
first time through password reset) and its member profile; a known number updates the
profile and the account's e-mail; a row equal to the database is left alone.

Speed (acceptance: 20,000 rows, preview and apply together, at least 5,000 rows/s on
PostgreSQL, and ``member_import_vs_copy`` at least 0.5; ``make bench`` prints both): the
existing members, accounts and e-mail owners for the whole file are loaded in a few queries
(``preload``), every rule runs in Python through the resource's widgets, once: the import
writes the rows the preview checked, re-checking only what others may have changed
(``member_plan``), and the writes go in bulk: new accounts and members with
``membership.members.write_imported_members`` (COPY on PostgreSQL, ``bulk_create`` /
``bulk_update`` elsewhere, through ``core.bulk``). A row's values are one tuple in the order of
``attributes`` from cleaning (``ImportKind.clean_table``) through the plan to the COPY: no dict
per row to build, pickle and unpickle. django-import-export's own row-by-row ``import_data``
does about 200 rows/s here (one query per row and per save).
"""

from dataclasses import dataclass, field

from django.db.models.functions import Lower

from membership.accounts import GUEST_LOGIN_ID
from membership.member_numbers import member_number_digits, zeros_key
from membership.members import EMAIL, write_imported_members
from membership.models import Member, User

from .. import name_check
from ..loading import preload
from ..member_lookup import MemberLookup, probable_text
from ..registry import ImportKind, register
from ..report import ERROR, NEW, UNCHANGED, UPDATED
from ..resources import MemberResource
from .member_plan import MemberPlanKeeping

# Required addresses by mailing address, as the member-details form has them.
MAILING_REQUIRED = {
    Member.MailingAddress.HOME: ("home_postal_code", "home_prefecture", "home_address1"),
    Member.MailingAddress.WORKPLACE: (
        "workplace_name",
        "workplace_postal_code",
        "workplace_prefecture",
        "workplace_address1",
    ),
}
MAILING_MESSAGE = {
    Member.MailingAddress.HOME: "郵送先を自宅にする場合は入力してください。",
    Member.MailingAddress.WORKPLACE: "郵送先を勤務先にする場合は入力してください。",
}


NAME_COLUMNS = {
    name_check.FAMILY: "氏名(姓)",
    name_check.GIVEN: "氏名(名)",
    name_check.KANA_FAMILY: "フリガナ(姓)",
    name_check.KANA_GIVEN: "フリガナ(名)",
}


@dataclass
class MemberPlan:
    creates: list = field(default_factory=list)  # values (tuples in the order of the kind's ``attributes``)
    updates: list = field(default_factory=list)  # (current values from the database, values, changed attributes)
    # The row numbers of ``creates`` and ``updates``, and (row, current values) of the rows equal
    # to the database: what the import re-checks (``member_plan``).
    create_rows: list = field(default_factory=list)
    update_rows: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def _number_as_kept(cells, position, member_number):
    """The preview's 会員番号 cell: the number the row is registered or matched under, and the
    cell as written when that differs (「0098005(ファイル: 98005)」: zeros put back, full-width
    digits), so that the preview shows the login ID the import gives."""
    if member_number and cells[position] != member_number:
        cells[position] = f"{member_number}(ファイル: {cells[position]})"
    return cells


def _replaced(values, position, value):
    return values[:position] + (value,) + values[position + 1 :]


@register
class MemberImport(MemberPlanKeeping, ImportKind):
    key = "members"
    label = "会員名簿"
    order = 10
    resource_class = MemberResource
    description = (
        "旧システムから会員名簿を移行します。会員番号で照合し、ファイルにない会員番号は新しい会員として登録、"
        "登録済みの会員番号は会員情報を更新します。内容が同じ行は変更しません。"
    )
    notes = (
        "1行目に見出し(テンプレートと同じ列名)、2行目から1行に1人を入れてください。列の順番は自由です。"
        "テンプレートにない列は読み飛ばします。必須でない列は省略でき、省略した列は登録済みの会員では変更しません。",
        "CSV は UTF-8(BOM 付きでも可)か Shift_JIS(Excel の「CSV(コンマ区切り)」)、または Excel ブック(.xlsx)の最初のシート。",
        "会員番号は文字列として扱います。数字だけの番号で先頭の0が欠けていれば(Excel で数値として保存すると"
        " 0012345 が 12345 になります)、0を補って 0012345 として照合・登録します。登録済みの会員番号と先頭の0だけが"
        "違う番号(00012345 など)は、新しい会員として登録せずエラーにします。",
        "登録済みの会員の氏名・フリガナがファイルと違う行は「確認してください」に表示します(旧字体・異体字の違いは同じとみなします)。",
        "新しく登録した会員にはパスワードがありません。初回はログイン画面の「パスワードを忘れた場合」から、"
        "会員番号と登録メールアドレスでパスワードを設定します。",
        "空欄のセルは空欄として取り込みます(既存の会員の値も消えます)。",
        "エラーが1件でもあると取り込めません。全件そろって取り込むか、何も変更しないかのどちらかです。",
    )
    preview_columns = ("会員番号", "氏名(姓)", "氏名(名)", "メールアドレス", "会員ステータス")
    absent_note = "登録済みの会員ではその項目を変更しません。新しい会員では空欄です"
    # Not undoable: the import keeps no old values of the members it changed (only the first rows'
    # changes are in the report), and new members start logging in, paying and applying at once.
    not_undoable_reason = (
        "会員名簿の取込は取り消せません。取込では変更前の会員情報をすべては記録していないため、元に戻せません。"
        "誤って登録・変更した会員は、「会員」の画面で一人ずつ直してください(この画面の「更新」の行に変更点を表示しています)。"
    )

    def __init__(self):
        super().__init__()
        self.fields_by_attribute = {f.attribute: f for f in self.fields()}
        # A row's values are a tuple in this order from cleaning to writing (no dict per row).
        self.attributes = [f.attribute for f in self.fields()]
        self.position = {attribute: index for index, attribute in enumerate(self.attributes)}
        self.member_attributes = [attribute for attribute in self.attributes if attribute != EMAIL]

    # --- validation ------------------------------------------------------------------------
    def validate(self, table, report, progress=None):
        at = self.position
        number_at, email_at, mailing_at = at["member_number"], at[EMAIL], at["mailing_address"]
        rows = list(self.clean_table(table, report, progress))
        absent = [at[field.attribute] for field in self.fields() if field.column_name not in table.headers]
        numbers = {values[number_at] for _number, values, _errors, _raw in rows}
        numbers.discard(None)
        numbers.discard("")
        guests = {number for number in numbers if not number.isdigit() and GUEST_LOGIN_ID.fullmatch(number)}
        if guests:
            numbers -= guests
            for index, (number, values, errors, raw) in enumerate(rows):
                if values[number_at] in guests:
                    # A guest's number: importing it would turn that guest's account into a member's.
                    errors.append(
                        (
                            "会員番号",
                            f"{values[number_at]} はゲストユーザー番号の形式です。会員番号として取り込めません。",
                        )
                    )
                    rows[index] = (number, _replaced(values, number_at, None), errors, raw)
        members = MemberLookup(
            numbers,
            queryset=Member.objects.exclude(status=Member.Status.GUEST),  # guests' numbers are refused above
            columns=["id", "user_id", *self.member_attributes, EMAIL],
        )

        checked = []
        first_row_of_number = {}
        first_row_of_email = {}
        required_columns = {
            choice: [(at[attribute], self.fields_by_attribute[attribute].column_name) for attribute in attributes]
            for choice, attributes in MAILING_REQUIRED.items()
        }
        for number, values, errors, raw in rows:
            typed = values[number_at]
            current, member_number = self.match_number(number, typed, errors, members, first_row_of_number)
            if member_number != typed:
                values = _replaced(values, number_at, member_number)
            if current is not None and absent:
                # A column the file leaves out keeps the member's value (a blank cell would clear it).
                values = list(values)
                for position in absent:
                    values[position] = current[self.attributes[position]]
                values = tuple(values)
            mailing = values[mailing_at]
            if mailing in required_columns:
                failed = {column for column, _message in errors} if errors else ()
                for position, column in required_columns[mailing]:
                    if not values[position] and column not in failed:
                        errors.append((column, MAILING_MESSAGE[mailing]))
            email = values[email_at]
            if email:
                first = first_row_of_email.setdefault(email.lower(), number)
                if first != number:
                    errors.append(
                        ("メールアドレス", f"メールアドレスがファイル内で重複しています({first}行目と同じ)。")
                    )
            checked.append((number, values, errors, raw, current))
        rows = checked
        self.refuse_zero_variants(rows, number_at)
        existing = {row["member_number"] for row in members.found.values()}
        other_accounts = self.non_member_accounts([n for n in first_row_of_number if n not in existing])
        email_owners = self.email_owners(first_row_of_email)

        plan = MemberPlan()
        sample_cells = self.sample_cells
        number_cell = self.sample_columns().index("会員番号")
        for number, values, errors, raw, current in rows:
            member_number = values[number_at]
            if other_accounts and member_number and current is None and member_number in other_accounts:
                errors.append(
                    ("会員番号", f"会員番号 {member_number} は会員以外のアカウントのログインIDとして使われています。")
                )
            email = values[email_at]
            if email_owners and email:
                own_user = current["user_id"] if current else None
                others = [login for user_id, login in email_owners.get(email.lower(), ()) if user_id != own_user]
                if others:
                    errors.append(
                        ("メールアドレス", f"このメールアドレスは他のアカウント({others[0]})が使っています。")
                    )
            if errors:
                report.add(ERROR, number, sample_cells(table, raw))
                for column, message in errors:
                    report.add_error(number, column, message)
                continue
            if current is None:
                plan.creates.append(values)
                plan.create_rows.append(number)
                report.add(NEW, number, _number_as_kept(sample_cells(table, raw), number_cell, member_number))
                continue
            for column, message in self.name_warnings(current, values):
                report.add_warning(number, column, message)
            changed = [
                attribute
                for attribute, value in zip(self.attributes, values, strict=True)
                if current[attribute] != value
            ]
            cells = _number_as_kept(sample_cells(table, raw), number_cell, member_number)
            if not changed:
                plan.unchanged.append((number, current))
                report.add(UNCHANGED, number, cells)
                continue
            plan.updates.append((current, values, changed))
            plan.update_rows.append(number)
            report.add(UPDATED, number, cells, self.describe_changes(current, values, changed))
        if members.note():
            report.notes.append(members.note())
        return plan

    @staticmethod
    def match_number(number, typed, errors, members, first_row_of_number):
        """The member a row's number names (its stored values, or None for a new member) and the
        number kept; refuses a number differing from a member's, or from another new row's, only
        by leading zeros."""
        if not typed:
            return None, typed
        current = members.get(typed)
        member_number = current["member_number"] if current else members.new_number(typed)
        if current is None:
            probable = members.probably(typed)
            if probable is not None:
                errors.append(
                    (
                        "会員番号",
                        f"会員番号 {typed} は登録済みの会員 {probable_text(probable)}と先頭の0だけが違います。"
                        f"同じ会員なら会員番号を {probable['member_number']} にしてください(新しい会員として登録しません)。",
                    )
                )
                return None, member_number
        first = first_row_of_number.setdefault(member_number, number)
        if first != number:
            errors.append(("会員番号", f"会員番号 {member_number} がファイル内で重複しています({first}行目と同じ)。"))
        return current, member_number

    @staticmethod
    def refuse_zero_variants(rows, number_at):
        """Two new numbers differing only by leading zeros (0037001, 00037001) are one member: the
        row whose number is not in the fixed width (or the later one) is refused."""
        width = member_number_digits()
        new = {}  # number → first row
        for number, values, _errors, _raw, current in rows:
            if current is None and values[number_at]:
                new.setdefault(values[number_at], number)
        if not any(len(n) != width and n.isdigit() and n.isascii() for n in new):
            return  # the common case: every zeros key is of one number in the fixed width
        by_key = {}
        for member_number, number in sorted(new.items(), key=lambda item: (len(item[0]) != width, item[1])):
            by_key.setdefault(zeros_key(member_number), (member_number, number))
        errors_of = {number: errors for number, _values, errors, _raw, _current in rows}
        for member_number, number in new.items():
            kept, first = by_key.get(zeros_key(member_number), (member_number, number))
            if kept != member_number and zeros_key(member_number) is not None:
                errors_of[number].append(
                    (
                        "会員番号",
                        f"会員番号 {member_number} は{first}行目の会員番号 {kept} と先頭の0だけが違います"
                        "(同じ会員を2人として登録しません)。",
                    )
                )

    def name_warnings(self, current, values):
        """A name or furigana unlike the member's (spelling variants aside): maybe another person's row."""
        at = self.position
        texts = {
            name_check.FAMILY: values[at["family_name"]],
            name_check.GIVEN: values[at["given_name"]],
            name_check.KANA_FAMILY: values[at["family_name_kana"]],
            name_check.KANA_GIVEN: values[at["given_name_kana"]],
        }
        return [
            (
                NAME_COLUMNS[part],
                f"{NAME_COLUMNS[part]}「{text}」が会員 {current['member_number']} の登録({stored})と違います。"
                "別の人の行でないか確認してください(取り込むと登録が変わります)。",
            )
            for part, text, stored in name_check.differences(current, texts)
        ]

    def describe_changes(self, current, values, changed):
        out = []
        for attribute in changed:
            field_ = self.fields_by_attribute[attribute]
            render = field_.widget.render
            out.append([field_.column_name, render(current[attribute]), render(values[self.position[attribute]])])
        return out

    def non_member_accounts(self, login_ids):
        """Those login ids that an account without this member number already has (staff, guests)."""
        rows = preload(User.objects.all(), "username", login_ids, columns=["username"])
        return {row["username"] for row in rows}

    def email_owners(self, emails_lower):
        """Lower-cased e-mail → [(user id, login id)] of the accounts that have it."""
        queryset = User.objects.exclude(email="").annotate(email_lower=Lower("email"))
        owners = {}
        for row in preload(queryset, "email_lower", emails_lower, columns=["email_lower", "id", "username"]):
            owners.setdefault(row["email_lower"], []).append((row["id"], row["username"]))
        return owners

    # --- writing: membership's service owns the member and account rows ---------------------
    def write(self, plan, report):
        write_imported_members(columns=self.attributes, creates=plan.creates, updates=plan.updates)
