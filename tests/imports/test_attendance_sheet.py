"""The attendance sheet pre-filled with a session's registrations (出席者シート): who is in it,
who may download it, where the seminar's page links it, and that it imports."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportJob
from renewal.models import Credit, Registration
from tests.factories import MemberFactory, StaffUserFactory, guest_member
from tests.renewal.seminar_data import make_seminar, register
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db
URL = "imports:attendance_template"


@pytest.fixture
def session_world(db):
    seminar = make_seminar("秋季セミナー", starts_on=timezone.localdate(), sessions=2, onsite=True, elearning=True)
    session, other = seminar.sessions.order_by("sort_order")
    members = {
        number: MemberFactory(user__username=number, family_name=family, given_name=given)
        for number, family, given in [
            ("0070003", "佐藤", "一郎"),
            ("0070001", "山﨑", "花子"),
            ("0070002", "鈴木", "次郎"),
            ("0070004", "田中", "三郎"),
        ]
    }
    register(members["0070003"], session)
    register(members["0070001"], session, participation_format=Registration.Format.ELEARNING)
    register(members["0070002"], session, state=Registration.State.CANCELLED)  # cancelled: not in the sheet
    register(members["0070004"], other)  # another session
    register(guest_member("G0000031", family_name="非会員", given_name="ゲスト"), session)
    return {"seminar": seminar, "session": session, "other": other, "members": members}


def download(client, session, fmt=None):
    params = {"session": session.pk, **({"format": fmt} if fmt else {})}
    return client.get(reverse(URL), params)


def sheet_rows(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]
    return workbook, [row for row in rows if any(value is not None for value in row)]


def test_the_sheet_lists_the_live_registrations_by_member_number(admin_client, session_world):
    session = session_world["session"]
    response = download(admin_client, session)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook, rows = sheet_rows(response)
    assert rows == [
        ["会員番号", "氏名", "セッションID", "参加形態"],
        ["0070001", "山﨑 花子", session.pk, "eラーニング"],
        ["0070003", "佐藤 一郎", session.pk, "会場"],
        ["G0000031", "非会員 ゲスト", session.pk, "会場"],
    ]
    assert workbook.worksheets[0]["A2"].number_format == "@"  # leading zeros stay when staff edit it
    notes = " ".join(str(row[0].value) for row in workbook["記入方法"].iter_rows() if row[0].value)
    assert "秋季セミナー セッション1" in notes and "欠席した会員の行を削除" in notes


def test_the_csv_sheet_has_the_same_rows(admin_client, session_world):
    session = session_world["session"]
    response = download(admin_client, session, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["会員番号", "氏名", "セッションID", "参加形態"],
        ["0070001", "山﨑 花子", str(session.pk), "eラーニング"],
        ["0070003", "佐藤 一郎", str(session.pk), "会場"],
        ["G0000031", "非会員 ゲスト", str(session.pk), "会場"],
    ]


def test_a_session_without_registrations_gives_the_headers_only(admin_client, session_world):
    Registration.objects.filter(session=session_world["other"]).delete()
    _workbook, rows = sheet_rows(download(admin_client, session_world["other"]))
    assert rows == [["会員番号", "氏名", "セッションID", "参加形態"]]


def test_unknown_or_malformed_sessions_are_not_found(admin_client, session_world):
    assert admin_client.get(reverse(URL), {"session": 999999}).status_code == 404
    assert admin_client.get(reverse(URL), {"session": "１"}).status_code == 404
    assert admin_client.get(reverse(URL)).status_code == 404
    assert download(admin_client, session_world["session"], "pdf").status_code == 404


def test_only_those_who_may_import_download_it(client, session_world):
    editor = StaffUserFactory()
    editor.groups.add(Group.objects.get(name="編集者"))
    log_in_staff(client, editor)
    response = download(client, session_world["session"])
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")  # refused

    staff = StaffUserFactory()
    staff.groups.add(Group.objects.get(name="事務局"))
    log_in_staff(client, staff)
    assert download(client, session_world["session"]).status_code == 200


def test_the_seminars_page_links_each_sessions_sheet(admin_client, session_world):
    seminar, session = session_world["seminar"], session_world["session"]
    body = admin_client.get(reverse("wagtailsnippets_renewal_seminar:inspect", args=[seminar.pk])).content.decode()
    assert "出席者シート" in body
    assert f"{reverse(URL)}?session={session.pk}&amp;format=csv" in body
    assert f"{reverse(URL)}?session={session_world['other'].pk}" in body


def test_the_link_is_not_offered_to_those_who_may_not_import(client, session_world):
    group = Group.objects.create(name="セミナー担当")
    for codename in ("access_admin", "view_seminar", "change_seminar"):
        group.permissions.add(Permission.objects.get(codename=codename))
    user = StaffUserFactory()
    user.groups.add(group)
    log_in_staff(client, user)
    response = client.get(reverse("wagtailsnippets_renewal_seminar:inspect", args=[session_world["seminar"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "セッションID" in body and "出席者シート" not in body


def without_name_column(data):
    """The sheet as uploaded once the import ignores 氏名; until then staff (and this test) drop it."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.worksheets[0].delete_cols(2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def strike_row(data, member_number):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == member_number:
            sheet.delete_rows(row[0].row)
            break
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_sheet_with_the_absentee_struck_out_imports_the_attendance(admin_client, import_file, session_world):
    session = session_world["session"]
    data = strike_row(download(admin_client, session).content, "0070003")  # 佐藤 did not come
    job = import_file(without_name_column(data), name="出席者.xlsx", kind="attendance")
    assert job.state == ImportJob.State.APPLIED, job.message
    credited = set(Credit.objects.filter(session=session).values_list("member__member_number", flat=True))
    assert credited == {"0070001", "G0000031"}
    attended = Registration.objects.filter(session=session, attended_at__isnull=False)
    assert {r.member.member_number: r.participation_format for r in attended} == {
        "0070001": Registration.Format.ELEARNING,
        "G0000031": Registration.Format.ONSITE,
    }


def test_the_sheet_imports_as_downloaded(admin_client, import_file, session_world):
    session = session_world["session"]
    job = import_file(download(admin_client, session).content, name="出席者.xlsx", kind="attendance")
    assert job.state == ImportJob.State.APPLIED, job.message
    assert Credit.objects.filter(session=session).count() == 3
    assert job.result["warning_count"] == 0  # its 氏名 column is read and matches the members


def test_a_name_that_looks_like_a_formula_stays_text(admin_client, session_world):
    session = session_world["session"]
    member = MemberFactory(user__username="0070009", family_name='=HYPERLINK("http://x.example")', given_name="")
    register(member, session)
    workbook, rows = sheet_rows(download(admin_client, session))
    cell = next(row for row in workbook.worksheets[0].iter_rows() if row[0].value == "0070009")[1]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    body = download(admin_client, session, "csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body
