"""The secretariat's 「セミナー・受講歴」 screens in the Wagtail admin: seminars with their
sessions on one form, registrations and 参加済にする, credits from paper certificates, categories,
and that editors (編集者) reach none of it."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from renewal.models import Credit, CreditCategory, Registration, Seminar, Session
from tests.factories import MemberFactory, user_in
from tests.renewal.seminar_data import category, make_seminar, register
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

SEMINARS = "wagtailsnippets_renewal_seminar"
REGISTRATIONS = "wagtailsnippets_renewal_registration"
CREDITS = "wagtailsnippets_renewal_credit"
CATEGORIES = "wagtailsnippets_renewal_creditcategory"
LECTURE_KINDS = "wagtailsnippets_renewal_lecturekind"


@pytest.fixture
def sato(db):
    return MemberFactory(user__username="0040001", family_name="佐藤", given_name="健一", family_name_kana="サトウ")


@pytest.fixture
def suzuki(db):
    return MemberFactory(user__username="0040002", family_name="鈴木", given_name="美咲", family_name_kana="スズキ")


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def inline_form(seminar=None, sessions=(), **overrides):
    """The POST data of the seminar form with its sessions (InlinePanel management form)."""
    data = {
        "title": "第92回日本消化器内視鏡技師学会",
        "organizer": "日本消化器内視鏡技師会",
        "venue": "福岡国際会議場",
        "starts_on": "2025-11-14",
        "ends_on": "2025-11-15",
        "application_opens_on": "2025-09-01",
        "application_closes_on": "2025-11-10",
        "onsite": "on",
        "published": "on",
        "description": "",
    }
    data.update(overrides)
    data.update(
        {
            "sessions-TOTAL_FORMS": str(len(sessions)),
            "sessions-INITIAL_FORMS": str(sum(1 for s in sessions if s.get("id"))),
            "sessions-MIN_NUM_FORMS": "1",
            "sessions-MAX_NUM_FORMS": "1000",
        }
    )
    for index, session in enumerate(sessions):
        values = {
            "title": "内視鏡技師学会",
            "points": "10",
            "credit_category": str(category().pk),
            "lecture_kind": "",
            "requirement": "required",
            "members_allowed": "on",
            "fee_member": "5000",
            "fee_guest": "0",
            "capacity": "",
            "held_on": "",
            "sort_order": str(index),
            "ORDER": str(index + 1),
            "DELETE": "",
            "id": "",
            **session,
        }
        for name, value in values.items():
            if value is not None:
                data[f"sessions-{index}-{name}"] = value
    return data


# --- seminars ------------------------------------------------------------------------------------


def test_staff_create_a_seminar_with_its_sessions_on_one_form(staff_client, staff_user):
    form = page(staff_client.get(reverse(f"{SEMINARS}:add")))
    assert "セッション" in form and "sessions-TOTAL_FORMS" in form

    response = staff_client.post(
        reverse(f"{SEMINARS}:add"),
        inline_form(sessions=[{"title": "内視鏡技師学会"}, {"title": "機器講習会", "points": "5"}]),
    )

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    seminar = Seminar.objects.get(title="第92回日本消化器内視鏡技師学会")
    assert list(seminar.sessions.order_by("sort_order").values_list("title", "points")) == [
        ("内視鏡技師学会", 10),
        ("機器講習会", 5),
    ]
    entry = ModelLogEntry.objects.get(object_id=str(seminar.pk), action="wagtail.create")
    assert entry.user == staff_user


def test_a_session_with_registrations_cannot_be_removed(staff_client, sato):
    seminar = make_seminar(sessions=2)
    first, second = seminar.sessions.order_by("sort_order")
    register(sato, first)

    data = inline_form(
        sessions=[
            {"id": str(first.pk), "title": first.title, "DELETE": "on"},
            {"id": str(second.pk), "title": "名前を変えたセッション"},
        ],
        title=seminar.title,
    )
    response = staff_client.post(reverse(f"{SEMINARS}:edit", args=[seminar.pk]), data)

    assert response.status_code == 200
    assert f"セッション「{first.title}」には参加申込または受講履歴があるため削除できません。" in page(response)
    assert Session.objects.filter(pk=first.pk).exists()
    assert Session.objects.get(pk=second.pk).title == "セッション2"


def test_a_lecture_kind_must_match_the_sessions_category(staff_client):
    from tests.renewal.seminar_data import lecture_kind

    response = staff_client.post(
        reverse(f"{SEMINARS}:add"),
        inline_form(sessions=[{"title": "医学講義", "lecture_kind": str(lecture_kind("医学講義").pk)}]),
    )
    assert response.status_code == 200
    assert "講義区分「医学講義」は更新条件集計種別「医学・その他セミナー」に集計されます。" in page(response)
    assert not Seminar.objects.exists()


def test_seminar_listing_counts_registrations_without_a_query_per_row(
    staff_client, sato, suzuki, django_assert_max_num_queries
):
    seminars = [make_seminar(title=f"セミナー{n}", sessions=2) for n in range(5)]
    busy = seminars[0]
    one, two = busy.sessions.order_by("sort_order")
    register(sato, one, attended_at=timezone.now())
    register(suzuki, one)
    register(sato, two, state=Registration.State.CANCELLED)
    register(suzuki, two)

    with django_assert_max_num_queries(25):
        response = staff_client.get(reverse(f"{SEMINARS}:list"))
    rows = {seminar.title: seminar for seminar in response.context["object_list"]}
    assert (rows["セミナー0"].live_count, rows["セミナー0"].attended_count, rows["セミナー0"].session_count) == (
        3,
        1,
        2,
    )
    assert (rows["セミナー1"].live_count, rows["セミナー1"].attended_count) == (0, 0)

    queries_for_5 = _count_queries(staff_client, reverse(f"{SEMINARS}:list"))
    for n in range(5, 15):
        make_seminar(title=f"セミナー{n}", sessions=2)
    assert _count_queries(staff_client, reverse(f"{SEMINARS}:list")) == queries_for_5


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_seminar_filters_and_search(staff_client):
    today = timezone.localdate()
    open_now = make_seminar(
        title="受付中のセミナー",
        starts_on=today + datetime.timedelta(days=30),
        application_opens_on=today - datetime.timedelta(days=1),
        application_closes_on=today + datetime.timedelta(days=10),
        venue="大阪国際会議場",
    )
    closed = make_seminar(title="終わったセミナー", starts_on=datetime.date(2024, 6, 1))
    hidden = make_seminar(title="非公開のセミナー", starts_on=datetime.date(2025, 2, 1), published=False)

    def titles(**params):
        response = staff_client.get(reverse(f"{SEMINARS}:list"), params)
        return {seminar.title for seminar in response.context["object_list"]}

    assert titles(accepting="yes") == {open_now.title}
    assert titles(accepting="no") == {closed.title, hidden.title}
    assert titles(fiscal_year="2024") == {closed.title, hidden.title}  # 2025-02 is fiscal 2024
    assert titles(published="no") == {hidden.title}
    assert titles(q="大阪") == {open_now.title}


def test_seminar_export_csv(staff_client, sato):
    seminar = make_seminar(title='=HYPERLINK("x")')
    register(sato, seminar.sessions.get(), attended_at=timezone.now())
    response = staff_client.get(reverse(f"{SEMINARS}:list") + "?export=csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["学会・セミナーID", "学会・セミナー名", "主催者"]
    assert rows[0][-4:] == ["セッション数", "申込数", "参加済数", "出席数(申込なし)"]
    assert rows[1][1].startswith("'=")
    assert rows[1][-4:] == ["1", "1", "1", "0"]


def test_seminar_page_shows_session_ids_for_the_import(staff_client):
    seminar = make_seminar(sessions=2)
    body = page(staff_client.get(reverse(f"{SEMINARS}:inspect", args=[seminar.pk])))
    for session in seminar.sessions.all():
        assert f'<td class="session-id">{session.pk}</td>' in body
    assert "セッションID" in body and "出席者(受講履歴)" in body


def test_a_seminar_with_registrations_is_not_deleted(staff_client, sato):
    seminar = make_seminar()
    register(sato, seminar.sessions.get())
    response = staff_client.post(reverse(f"{SEMINARS}:delete", args=[seminar.pk]), follow=True)
    assert "参加申込または受講履歴があるため削除できません" in page(response)
    assert Seminar.objects.filter(pk=seminar.pk).exists()


# --- registrations -------------------------------------------------------------------------------


@pytest.fixture
def registrations(sato, suzuki):
    seminar = make_seminar()
    other = make_seminar(title="機器講習会2025", starts_on=datetime.date(2025, 7, 1))
    session = seminar.sessions.get()
    return {
        "sato": register(sato, session),
        "suzuki": register(suzuki, session, attended_at=timezone.now()),
        "cancelled": register(sato, other.sessions.get(), state=Registration.State.CANCELLED),
        "session": session,
        "other": other,
    }


def listed_registrations(client, **params):
    response = client.get(reverse(f"{REGISTRATIONS}:list"), params)
    assert response.status_code == 200
    return {registration.pk for registration in response.context["object_list"]}


def test_registration_filters_and_search(staff_client, registrations):
    r = registrations
    assert listed_registrations(staff_client, session=r["session"].pk) == {r["sato"].pk, r["suzuki"].pk}
    assert listed_registrations(staff_client, seminar=r["other"].pk) == {r["cancelled"].pk}
    assert listed_registrations(staff_client, state="cancelled") == {r["cancelled"].pk}
    assert listed_registrations(staff_client, attended="yes") == {r["suzuki"].pk}
    assert listed_registrations(staff_client, q="すずき") == {r["suzuki"].pk}
    assert listed_registrations(staff_client, q="0040001") == {r["sato"].pk, r["cancelled"].pk}
    assert listed_registrations(staff_client, q="佐藤健一") == {r["sato"].pk, r["cancelled"].pk}


def test_registration_listing_offers_mark_attended_not_delete(staff_client, registrations):
    body = page(staff_client.get(reverse(f"{REGISTRATIONS}:list")))
    assert reverse("wagtail_bulk_action", args=["renewal", "registration", "mark_attended"]) in body
    assert reverse("wagtail_bulk_action", args=["renewal", "registration", "delete"]) not in body
    assert reverse(f"{REGISTRATIONS}:attend", args=[registrations["sato"].pk]) in body
    assert reverse(f"{REGISTRATIONS}:attend", args=[registrations["suzuki"].pk]) not in body
    # The row opens 詳細 and offers 履歴; no 編集 that would only open 詳細 again.
    assert reverse(f"{REGISTRATIONS}:history", args=[registrations["sato"].pk]) in body
    assert ">会員番号<" in body.replace("\n", "").replace(" ", "") and "会員 会員番号" not in body
    assert "編集" not in body[body.index("<tbody>") :]


def test_staff_who_may_only_view_registrations_get_no_bulk_selection(client, registrations):
    # Without 参加済にする there is no bulk action: no checkboxes, and not Wagtail's bulk-actions
    # script either (it breaks with a script error when its footer is missing).
    viewers = Group.objects.create(name="閲覧のみ")
    viewers.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_registration")
    )
    viewer = user_in("閲覧のみ", username="etsuran")
    body = page(log_in_staff(client, viewer).get(reverse(f"{REGISTRATIONS}:list")))
    assert "0040002" in body  # the rows are listed
    assert "data-bulk-action-checkbox" not in body
    assert "bulk-actions.js" not in body


def test_mark_attended_from_the_row_awards_the_credit_and_logs_it(staff_client, staff_user, registrations):
    registration = registrations["sato"]
    url = reverse(f"{REGISTRATIONS}:attend", args=[registration.pk])
    confirm = page(staff_client.get(url))
    assert "10点" in confirm and "0040001 佐藤 健一" in confirm

    response = staff_client.post(url, follow=True)

    assert "0040001 佐藤 健一さんを参加済にしました" in page(response)
    registration.refresh_from_db()
    assert registration.attended_at is not None
    credit = Credit.objects.get(member=registration.member, session=registration.session)
    assert (credit.points, credit.source) == (10, Credit.Source.ATTENDANCE)
    entry = ModelLogEntry.objects.get(object_id=str(registration.pk), action="renewal.registration.attended")
    assert entry.user == staff_user and entry.timestamp is not None
    history = page(staff_client.get(reverse(f"{REGISTRATIONS}:history", args=[registration.pk])))
    assert "参加済にしました(参加申込の画面)" in history

    # A second time: refused, nothing doubled.
    assert "参加済になっています" in page(staff_client.post(url))
    assert Credit.objects.filter(member=registration.member).count() == 1


def test_a_cancelled_registration_cannot_be_marked(staff_client, registrations):
    url = reverse(f"{REGISTRATIONS}:attend", args=[registrations["cancelled"].pk])
    assert "取消された参加申込は参加済にできません。" in page(staff_client.get(url))
    page(staff_client.post(url))
    assert not Credit.objects.exists()


def test_bulk_mark_attended(staff_client, staff_user, registrations, suzuki):
    extra = register(suzuki, registrations["other"].sessions.get())
    r = registrations
    url = reverse("wagtail_bulk_action", args=["renewal", "registration", "mark_attended"])
    query = f"?id={r['sato'].pk}&id={extra.pk}&id={r['cancelled'].pk}&id={r['suzuki'].pk}"
    confirm = page(staff_client.get(url + query))
    assert "次の2件の参加申込を参加済にし" in confirm and "対象外" in confirm

    response = staff_client.post(url + query + "&next=" + reverse(f"{REGISTRATIONS}:list"), follow=True)

    assert "2件の参加申込を参加済にしました。" in page(response)
    assert set(Credit.objects.values_list("member__member_number", "session_id")) == {
        ("0040001", r["session"].pk),
        ("0040002", r["other"].sessions.get().pk),
    }
    assert ModelLogEntry.objects.filter(action="renewal.registration.attended", user=staff_user).count() == 2
    r["cancelled"].refresh_from_db()
    assert r["cancelled"].attended_at is None


def test_registration_export_has_session_ids(staff_client, registrations):
    response = staff_client.get(reverse(f"{REGISTRATIONS}:list") + "?export=csv")
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["会員番号"] for row in rows} == {"0040001", "0040002"}
    assert str(registrations["session"].pk) in {row["セッションID"] for row in rows}


# --- credits -------------------------------------------------------------------------------------


def certificate_form(**overrides):
    return {
        "member_number": "００４０００１",
        "title": "第82回近畿消化器内視鏡技師学会",
        "organizer": "近畿消化器内視鏡技師学会",
        "venue": "オービックホール",
        "earned_on": "2024-01-21",
        "points": "10",
        "credit_category": str(category().pk),
        "note": "",
        **overrides,
    }


def test_staff_add_a_credit_from_a_paper_certificate(staff_client, staff_user, sato):
    response = staff_client.post(reverse(f"{CREDITS}:add"), certificate_form())
    assert response.status_code == 302, response.context["form"].errors
    credit = Credit.objects.get()
    assert (credit.member, credit.source, credit.session, credit.points) == (sato, "certificate", None, 10)
    assert credit.title == "第82回近畿消化器内視鏡技師学会" and credit.venue == "オービックホール"
    assert ModelLogEntry.objects.get(object_id=str(credit.pk), action="wagtail.create").user == staff_user
    listing = page(staff_client.get(reverse(f"{CREDITS}:list"), {"source": "certificate"}))
    assert "第82回近畿消化器内視鏡技師学会" in listing and "出席証明書" in listing


def test_certificate_form_errors_are_in_japanese(staff_client, sato):
    response = staff_client.post(
        reverse(f"{CREDITS}:add"), certificate_form(member_number="0099999", earned_on="2999-01-01")
    )
    body = page(response)
    assert "会員番号 0099999 の会員が見つかりません。" in body
    assert "開催日に未来の日付は指定できません。" in body
    assert not Credit.objects.exists()


def test_certificate_credits_can_be_edited_and_deleted(staff_client, staff_user, sato):
    staff_client.post(reverse(f"{CREDITS}:add"), certificate_form())
    credit = Credit.objects.get()
    response = staff_client.post(reverse(f"{CREDITS}:edit", args=[credit.pk]), certificate_form(points="8"))
    assert response.status_code == 302
    credit.refresh_from_db()
    assert credit.points == 8
    assert ModelLogEntry.objects.filter(object_id=str(credit.pk), action="wagtail.edit", user=staff_user).exists()
    staff_client.post(reverse(f"{CREDITS}:delete", args=[credit.pk]))
    assert not Credit.objects.exists()
    assert ModelLogEntry.objects.filter(object_id=str(credit.pk), action="wagtail.delete").exists()


def test_attendance_credits_are_read_only(staff_client, registrations):
    from renewal.attendance import mark_attended

    mark_attended(registration=registrations["sato"])
    credit = Credit.objects.get()
    listing = page(staff_client.get(reverse(f"{CREDITS}:list")))
    assert reverse(f"{CREDITS}:edit", args=[credit.pk]) not in listing
    assert reverse(f"{CREDITS}:delete", args=[credit.pk]) not in listing

    response = staff_client.post(
        reverse(f"{CREDITS}:edit", args=[credit.pk]), certificate_form(points="99"), follow=True
    )
    assert "変更・削除できません" in page(response)
    staff_client.post(reverse(f"{CREDITS}:delete", args=[credit.pk]))
    bulk = reverse("wagtail_bulk_action", args=["renewal", "credit", "delete"]) + f"?id={credit.pk}"
    staff_client.post(bulk)
    credit.refresh_from_db()
    assert credit.points == 10
    inspect = page(staff_client.get(reverse(f"{CREDITS}:inspect", args=[credit.pk])))
    assert "参加確認" in inspect and "第91回日本消化器内視鏡技師学会" in inspect


def test_credit_filters(staff_client, registrations):
    from renewal.attendance import mark_attended

    mark_attended(registration=registrations["sato"])
    staff_client.post(reverse(f"{CREDITS}:add"), certificate_form(credit_category=str(category("機器講習会").pk)))

    def listed(**params):
        response = staff_client.get(reverse(f"{CREDITS}:list"), params)
        return sorted(credit.source for credit in response.context["object_list"])

    assert listed(year="2024") == ["certificate"]
    assert listed(year="2025") == ["attendance"]
    assert listed(credit_category=category("機器講習会").pk) == ["certificate"]
    assert listed(q="サトウ") == ["attendance", "certificate"]


# --- categories ----------------------------------------------------------------------------------


def test_staff_change_a_category_cap(staff_client):
    machines = category("機器講習会")
    response = staff_client.post(
        reverse(f"{CATEGORIES}:edit", args=[machines.pk]), {"name": "機器講習会", "cap": "15", "sort_order": "20"}
    )
    assert response.status_code == 302
    assert CreditCategory.objects.get(pk=machines.pk).cap == 15
    listing = page(staff_client.get(reverse(f"{CATEGORIES}:list")))
    assert "総得点加算上限" in listing and "15" in listing
    assert "医学講義" in page(staff_client.get(reverse(f"{LECTURE_KINDS}:list")))


def test_menu_group_for_staff(staff_client):
    body = page(staff_client.get(reverse("wagtailadmin_home")))
    for name in ("seminars_credits", "seminars", "registrations", "credits", "credit_categories", "lecture_kinds"):
        assert f'"name": "{name}"' in body


# --- editors -------------------------------------------------------------------------------------


def test_editor_reaches_none_of_it(client, registrations):
    from renewal.attendance import mark_attended

    mark_attended(registration=registrations["sato"])
    credit = Credit.objects.get()
    seminar = registrations["session"].seminar
    editor = user_in("編集者")
    log_in_staff(client, editor)
    urls = []
    for prefix, obj in (
        (SEMINARS, seminar),
        (REGISTRATIONS, registrations["sato"]),
        (CREDITS, credit),
        (CATEGORIES, category()),
        (LECTURE_KINDS, None),
    ):
        urls += [reverse(f"{prefix}:list"), reverse(f"{prefix}:list") + "?export=csv"]
        if obj is not None:
            urls.append(reverse(f"{prefix}:edit", args=[obj.pk]))
    urls += [
        reverse(f"{SEMINARS}:inspect", args=[seminar.pk]),
        reverse(f"{REGISTRATIONS}:inspect", args=[registrations["sato"].pk]),
        reverse(f"{REGISTRATIONS}:attend", args=[registrations["suzuki"].pk]),
        reverse(f"{CREDITS}:inspect", args=[credit.pk]),
        reverse(f"{CREDITS}:add"),
        reverse(f"{SEMINARS}:add"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response.url == reverse("wagtailadmin_home"), url
    for model in ("seminar", "registration", "credit", "creditcategory", "lecturekind"):
        response = client.get(f"/admin/snippets/choose/renewal/{model}/")
        assert response.status_code == 404, model
    for action in ("mark_attended", "delete"):
        url = reverse("wagtail_bulk_action", args=["renewal", "registration", action])
        response = client.get(url + f"?id={registrations['sato'].pk}")
        assert response.status_code in (302, 403), action
        assert "佐藤" not in response.content.decode()
        client.post(url + f"?id={registrations['sato'].pk}")
    response = client.get(reverse("wagtail_bulk_action", args=["renewal", "credit", "delete"]) + f"?id={credit.pk}")
    assert response.status_code in (302, 403) and "佐藤" not in response.content.decode()
    assert Credit.objects.count() == 1 and Registration.objects.filter(attended_at=None).count() == 1
    assert '"name": "seminars_credits"' not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_staff_group_renewal_permissions():
    staff = Group.objects.get(name="事務局")
    codenames = set(staff.permissions.filter(content_type__app_label="renewal").values_list("codename", flat=True))
    assert {"change_registration", "add_credit", "delete_credit", "change_creditcategory"} <= codenames
    editor = Group.objects.get(name="編集者")
    assert not editor.permissions.filter(content_type__app_label="renewal").exists()
