"""The members-area menu's 更新延長申請 entry reads the open programmes from the cache (no query on
every page), and still follows a programme opened or closed by the secretariat at once."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renewal.models import ExtensionProgramme
from tests.factories import MemberFactory


def test_the_menu_asks_for_the_open_programmes_once_and_follows_the_secretariat(client, db):
    today = timezone.localdate()
    member = MemberFactory(home_prefecture="石川県", certification_expires_on=today + datetime.timedelta(days=90))
    client.force_login(member.user)
    extension_url = reverse("renewal:extension")
    assert extension_url not in client.get(reverse("member:dashboard")).text

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("member:profile")).status_code == 200
    assert not [query for query in queries.captured_queries if "renewal_extensionprogramme" in query["sql"]]

    programme = ExtensionProgramme.objects.create(
        name="能登半島地震に伴う更新延長措置",
        prefectures="石川県",
        expires_from=today,
        expires_until=today + datetime.timedelta(days=365),
        extension_months=12,
        applications_close_on=today + datetime.timedelta(days=30),
    )
    assert extension_url in client.get(reverse("member:profile")).text

    programme.active = False
    programme.save()
    assert extension_url not in client.get(reverse("member:profile")).text
