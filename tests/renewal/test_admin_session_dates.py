"""A session's 開催日 on the seminar's form must fall within the seminar's 開催期間: a mistyped
date showed members 「開催期間 2027/02/10-2027/02/11(このセッション: 2027/03/01)」 and dated
the session's credits after the seminar."""

import datetime

import pytest
from django.urls import reverse

from renewal.models import Seminar, Session
from tests.renewal.seminar_data import make_seminar
from tests.renewal.test_admin import SEMINARS, inline_form, page

pytestmark = pytest.mark.django_db


def test_a_session_dated_after_the_seminar_is_refused_next_to_its_date(staff_client):
    response = staff_client.post(
        reverse(f"{SEMINARS}:add"),
        inline_form(sessions=[{"title": "内視鏡の洗浄", "held_on": "2025-12-01"}]),  # seminar: 11/14-11/15
    )

    html = page(response)
    assert "開催日は学会・セミナーの開催期間(2025/11/14〜2025/11/15)内の日付にしてください。" in html
    assert "セッション「内視鏡の洗浄」の開催日が開催期間外です。" in html
    session_form = response.context["form"].formsets["sessions"].forms[0]
    assert "held_on" in session_form.errors
    assert not Seminar.objects.exists()


def test_a_session_dated_before_the_seminar_is_refused(staff_client):
    response = staff_client.post(
        reverse(f"{SEMINARS}:add"), inline_form(sessions=[{"title": "前日講習", "held_on": "2025-11-13"}])
    )
    assert "セッション「前日講習」の開催日が開催期間外です。" in page(response)
    assert not Seminar.objects.exists()


def test_sessions_on_the_first_and_last_day_or_undated_are_accepted(staff_client):
    response = staff_client.post(
        reverse(f"{SEMINARS}:add"),
        inline_form(
            sessions=[
                {"title": "1日目", "held_on": "2025-11-14"},
                {"title": "2日目", "held_on": "2025-11-15"},
                {"title": "日付なし", "held_on": ""},
            ]
        ),
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert Session.objects.count() == 3


def test_moving_the_seminar_away_from_its_dated_sessions_is_refused(staff_client):
    seminar = make_seminar(title="第92回日本消化器内視鏡技師学会", starts_on=datetime.date(2025, 11, 14))
    session = seminar.sessions.get()
    session.held_on = seminar.starts_on
    session.save()

    data = inline_form(
        sessions=[{"id": str(session.pk), "title": session.title, "held_on": "2025-11-14"}],
        starts_on="2025-12-01",
        ends_on="2025-12-02",
    )
    response = staff_client.post(reverse(f"{SEMINARS}:edit", args=[seminar.pk]), data)

    assert "開催日は学会・セミナーの開催期間(2025/12/01〜2025/12/02)内の日付にしてください。" in page(response)
    seminar.refresh_from_db()
    assert str(seminar.starts_on) == "2025-11-14"
