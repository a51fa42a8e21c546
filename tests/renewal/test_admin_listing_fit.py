"""The 「セミナー・受講歴」 screens as they fit a 1280 px screen: the seminar listing's columns
(公開 and 申込受付中 in one, short headings), the sidebar group's label, and the form's
「eラーニング」 as the society writes it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from renewal.wagtail_hooks import SeminarViewSetGroup
from tests.renewal.seminar_data import make_seminar

pytestmark = pytest.mark.django_db

SEMINARS = "wagtailsnippets_renewal_seminar"


def test_seminar_listing_has_nine_columns_with_publication_and_acceptance_in_one(staff_client):
    today = timezone.localdate()
    make_seminar(
        title="受付中のセミナー",
        starts_on=today + datetime.timedelta(days=30),
        application_opens_on=today - datetime.timedelta(days=1),
        application_closes_on=today + datetime.timedelta(days=10),
    )
    make_seminar(title="非公開のセミナー", published=False)
    body = staff_client.get(reverse(f"{SEMINARS}:list")).content.decode()
    table = body[body.index('<table class="listing') :]
    head = table[table.index("<thead") : table.index("</thead>")]
    headings = [re.sub(r"<[^>]+>|\s", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    headings = [heading for heading in headings if heading]  # not the select-all checkbox
    assert headings == [
        "学会・セミナー名",
        "開催期間",
        "申込期間",
        "開催場所",
        "公開・受付",
        "セッション(ID)",
        "申込",
        "参加済",
        "出席(申込なし)",
    ]
    assert "公開<br>受付中" in body and "非公開" in body


def test_the_sidebar_group_label_is_short_enough_to_show_whole():
    # The sidebar shows 8 full-width characters beside a group's arrow, then "…".
    assert SeminarViewSetGroup.menu_label == "セミナー・受講歴" and len(SeminarViewSetGroup.menu_label) <= 8


def test_the_seminar_form_and_page_write_e_learning_in_lower_case(staff_client):
    seminar = make_seminar(elearning=True)
    for view in ("edit", "inspect"):
        body = staff_client.get(reverse(f"{SEMINARS}:{view}", args=[seminar.pk])).content.decode()
        assert "eラーニング" in body and "Eラーニング" not in body, view
    assert "Eラーニング" not in staff_client.get(reverse(f"{SEMINARS}:add")).content.decode()
