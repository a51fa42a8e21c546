"""会員限定 chosen on the notice before publishing: the notice is never public, not for a moment.

The flows are the editor's (the admin's create view with 公開), scheduled publishing, copying and
moving. An anonymous visitor gets the login page, a member reads the notice, and it is never in
the public lists (the home page and the notice index; the site has no search, sitemap or feed for
visitors). The "not for a moment" tests watch on PostgreSQL: an anonymous visitor in another
thread, with its own connection (it sees only what is committed), requests the notice and the
public lists before every SQL statement the publishing runs and once after it.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry, PageViewRestriction
from wagtail.signals import page_published
from wagtail.test.utils.form_data import nested_form_data, rich_text

from cms_pages.models import NoticeIndexPage, NoticePage
from tests.factories import guest_member, user_in
from tests.two_factor import log_in_staff

SECRET = "理事会の議事録(会員限定)"
TITLE = "第12回理事会のご報告"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second connection sees only committed rows on PostgreSQL"
)


def create_url(index):
    return reverse("wagtailadmin_pages:add", args=["cms_pages", "noticepage", index.pk])


def notice_form(members_only=True, slug="members-notice", **extra):
    data = {
        "title": TITLE,
        "slug": slug,
        "date": "2026-12-07",
        "body": rich_text(f"<p>{SECRET}</p>"),
        "action-publish": "action-publish",
        **extra,
    }
    if members_only:
        data["members_only"] = "on"
    return nested_form_data(data)


@pytest.fixture
def editor_client(client, demo_site):
    return log_in_staff(client, user_in("編集者"))


def publish_as_editor(editor_client, index, **form):
    response = editor_client.post(create_url(index), notice_form(**form))
    assert response.status_code == 302, response.content.decode()[:3000]
    return NoticePage.objects.get(slug=form.get("slug", "members-notice"))


def anonymous_get(url):
    return Client().get(url)


def assert_members_only(notice, member_client):
    response = anonymous_get(notice.url)
    assert response.status_code == 302 and response.url.startswith("/member/login?next=")
    assert SECRET not in response.content.decode()
    assert member_client.get(notice.url).status_code == 200
    assert SECRET in member_client.get(notice.url).content.decode()


# --- the editor's flow ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_notice_published_as_members_only_is_closed_to_anonymous_visitors_at_once(editor_client, demo_site, member):
    notice = publish_as_editor(editor_client, demo_site["notices"])
    # The very next request, by someone not logged in:
    response = anonymous_get(f"{demo_site['notices'].url}members-notice/")
    assert response.status_code == 302 and response.url.startswith("/member/login?next=")
    assert notice.live and notice.members_only
    assert notice.view_restrictions.get().restriction_type == PageViewRestriction.LOGIN
    member_client = Client()
    member_client.force_login(member.user)
    assert_members_only(notice, member_client)


@pytest.mark.django_db
def test_members_only_notices_stay_out_of_the_public_lists(editor_client, demo_site, member):
    publish_as_editor(editor_client, demo_site["notices"])
    for url in ("/", demo_site["notices"].url):
        body = anonymous_get(url).content.decode()
        assert TITLE not in body, url
        assert "システムメンテナンスのお知らせ" in body, url
    member_client = Client()
    member_client.force_login(member.user)
    listing = member_client.get(reverse("member:notices"))
    assert TITLE in listing.content.decode() and "会員限定" in listing.content.decode()
    guest_client = Client()
    guest_client.force_login(guest_member("G0000077").user)
    assert TITLE not in guest_client.get(reverse("member:notices")).content.decode()


@pytest.mark.django_db
def test_the_editor_finds_the_choice_on_the_new_notice_form(editor_client, demo_site):
    body = editor_client.get(create_url(demo_site["notices"])).content.decode()
    assert 'name="members_only"' in body and "会員限定" in body
    assert "公開した瞬間から会員限定" in body


@pytest.mark.django_db
def test_unticking_and_publishing_makes_the_notice_public_and_both_are_in_the_history(editor_client, demo_site):
    notice = publish_as_editor(editor_client, demo_site["notices"])
    edit = reverse("wagtailadmin_pages:edit", args=[notice.pk])
    response = editor_client.post(edit, notice_form(members_only=False))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert not notice.members_only and not notice.view_restrictions.exists()
    assert SECRET in anonymous_get(notice.url).content.decode()
    actions = list(PageLogEntry.objects.filter(page=notice).values_list("action", flat=True))
    assert "wagtail.view_restriction.create" in actions and "wagtail.view_restriction.delete" in actions


@pytest.mark.django_db
def test_a_draft_never_changes_the_live_notices_privacy(editor_client, demo_site):
    """Ticking 会員限定 on a public notice takes effect when it is published, like its text."""
    notice = publish_as_editor(editor_client, demo_site["notices"], members_only=False)
    edit = reverse("wagtailadmin_pages:edit", args=[notice.pk])
    draft = {key: value for key, value in notice_form().items() if key != "action-publish"}
    assert editor_client.post(edit, draft).status_code == 302
    assert anonymous_get(notice.url).status_code == 200
    assert editor_client.post(edit, notice_form()).status_code == 302
    assert anonymous_get(notice.url).status_code == 302


@pytest.mark.django_db
def test_the_privacy_dialog_is_off_for_notices(editor_client, demo_site):
    notice = publish_as_editor(editor_client, demo_site["notices"])
    response = editor_client.get(reverse("wagtailadmin_pages:set_privacy", args=[notice.pk]))
    assert "restriction_type" not in response.content.decode()


@pytest.mark.django_db
def test_a_notice_marked_members_only_is_refused_even_without_its_restriction(demo_site, member):
    """Defence in depth: a row written around ``save`` (a bulk update) is still not public."""
    notice = demo_site["notices"].add_child(instance=NoticePage(title=TITLE, slug="raw", body=f"<p>{SECRET}</p>"))
    NoticePage.objects.filter(pk=notice.pk).update(members_only=True)
    assert not notice.view_restrictions.exists()
    response = anonymous_get(notice.url)
    assert response.status_code == 302 and response.url.startswith("/member/login?next=")
    assert TITLE not in anonymous_get(demo_site["notices"].url).content.decode()
    guest_client = Client()
    guest_client.force_login(guest_member("G0000078").user)
    assert guest_client.get(notice.url).status_code == 403


@pytest.mark.django_db
def test_scheduled_publishing_goes_live_members_only(editor_client, demo_site, member):
    go_live = timezone.now() + datetime.timedelta(days=2)
    notice = publish_as_editor(
        editor_client, demo_site["notices"], go_live_at=timezone.localtime(go_live).strftime("%Y-%m-%d %H:%M")
    )
    assert not notice.live and notice.view_restrictions.exists()
    with time_machine.travel(go_live + datetime.timedelta(minutes=5), tick=False):
        call_command("publish_scheduled", stdout=open("/dev/null", "w"))
    notice.refresh_from_db()
    assert notice.live
    member_client = Client()
    member_client.force_login(member.user)
    assert_members_only(notice, member_client)


@pytest.mark.django_db
def test_copies_and_moved_notices_stay_members_only(editor_client, demo_site, member):
    notice = publish_as_editor(editor_client, demo_site["notices"])
    other_index = demo_site["home"].add_child(instance=NoticeIndexPage(title="学会からのお知らせ", slug="news"))
    copy = notice.copy(to=other_index, update_attrs={"slug": "copied"}, keep_live=True).specific
    assert copy.live and copy.members_only
    assert set(copy.view_restrictions.values_list("restriction_type", flat=True)) == {PageViewRestriction.LOGIN}
    notice.move(other_index, pos="last-child")
    notice.refresh_from_db()
    assert notice.url.startswith(other_index.url)
    member_client = Client()
    member_client.force_login(member.user)
    for page in (copy, notice):
        assert_members_only(page, member_client)
    assert TITLE not in anonymous_get(other_index.url).content.decode()


@pytest.mark.django_db
def test_notices_made_members_only_before_keep_it(demo_site):
    """The migration carries a restriction set in Wagtail's privacy dialog over to the field,
    also into stored revisions (publishing one must not make the notice public)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cms_pages.migrations.0006_notice_members_only")
    notice = demo_site["notices"].add_child(instance=NoticePage(title=TITLE, slug="old", body="<p>x</p>"))
    revision = notice.save_revision()
    PageViewRestriction.objects.create(page=notice, restriction_type=PageViewRestriction.LOGIN)
    migration.keep_members_only_notices(apps, None)
    revision.refresh_from_db()
    assert revision.content["members_only"] is True
    revision.publish()
    notice.refresh_from_db()
    assert notice.members_only and notice.view_restrictions.exists()
    assert anonymous_get(notice.url).status_code == 302


# --- never public, not for a moment (PostgreSQL) -------------------------------------------


class AnonymousWatch:
    """An anonymous visitor in another thread who looks before every SQL statement of this
    thread's connection: the notice's URL and the public lists, as committed at that moment.

    The pages are requested again only when what they depend on changed since the last look
    (the notices' rows and the view restrictions), which keeps the watch quick; the check that no
    live 会員限定 notice lacks its restriction runs at every look.
    """

    def __init__(self, urls):
        self.urls = urls
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.looks = 0
        self.visits = 0
        self.leaks = []  # (url, status) where the notice was shown
        self.statuses = set()
        self.unrestricted = []  # live 会員限定 notices seen without their view restriction
        self.last_state = None

    def look(self):
        pages, visits = self.pool.submit(self._visit).result()
        self.unrestricted.extend(pages)
        for url, status, shown in visits:
            self.statuses.add((url, status))
            if shown:
                self.leaks.append((url, status))
        self.looks += 1

    def _visit(self):
        pages = list(
            NoticePage.objects.filter(live=True, members_only=True)
            .exclude(view_restrictions__restriction_type=PageViewRestriction.LOGIN)
            .values_list("slug", flat=True)
        )
        state = (
            list(NoticePage.objects.order_by("pk").values_list("pk", "live", "members_only", "url_path", "title")),
            list(PageViewRestriction.objects.order_by("pk").values_list("pk", "page_id", "restriction_type")),
        )
        if state == self.last_state:
            return pages, []
        self.last_state = state
        self.visits += 1
        client = Client()
        visits = []
        for url in self.urls:
            response = client.get(url)
            body = response.content.decode() if not response.streaming else ""
            visits.append((url, response.status_code, SECRET in body or TITLE in body))
        return pages, visits

    def __call__(self, execute, sql, params, many, context):
        self.look()
        return execute(sql, params, many, context)

    def close(self):
        self.pool.submit(connections.close_all).result()
        self.pool.shutdown()


@contextmanager
def watched(urls):
    watch = AnonymousWatch(urls)
    try:
        with connection.execute_wrapper(watch):
            yield watch
        watch.look()  # after the last statement and its commit
    finally:
        watch.close()


def public_urls(index, slug):
    return [f"{index.url}{slug}/", index.url, "/"]


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_a_members_only_notice_never_shows_it_to_anyone(editor_client, demo_site):
    index = demo_site["notices"]
    urls = public_urls(index, "members-notice")
    with watched(urls) as watch:
        publish_as_editor(editor_client, index)
    assert watch.leaks == [] and watch.unrestricted == []
    assert watch.looks > 20  # every statement of the publishing was watched
    assert (urls[0], 302) in watch.statuses  # the watch saw the live notice (and was sent to log in)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scheduled_publishing_and_copying_never_show_it_either(editor_client, demo_site):
    index = demo_site["notices"]
    go_live = timezone.now() + datetime.timedelta(days=2)
    with watched(public_urls(index, "members-notice")) as watch:
        notice = publish_as_editor(
            editor_client, index, go_live_at=timezone.localtime(go_live).strftime("%Y-%m-%d %H:%M")
        )
    assert watch.leaks == [] and watch.unrestricted == []
    with time_machine.travel(go_live + datetime.timedelta(minutes=5), tick=False):
        with watched(public_urls(index, "members-notice")) as watch:
            call_command("publish_scheduled", stdout=open("/dev/null", "w"))
    assert watch.leaks == [] and watch.unrestricted == []
    assert (f"{index.url}members-notice/", 302) in watch.statuses
    with watched(public_urls(index, "copied")) as watch:
        NoticePage.objects.get(pk=notice.pk).copy(update_attrs={"slug": "copied"}, keep_live=True)
    assert watch.leaks == [] and watch.unrestricted == []
    assert (f"{index.url}copied/", 302) in watch.statuses


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_watch_sees_what_the_issue_saw(editor_client, demo_site):
    """Publishing first and making the notice private afterwards: public for a moment."""
    index = demo_site["notices"]
    with watched(public_urls(index, "members-notice")) as watch:
        notice = publish_as_editor(editor_client, index, members_only=False)
        PageViewRestriction.objects.create(page=notice, restriction_type=PageViewRestriction.LOGIN)
    assert (f"{index.url}members-notice/", 200) in watch.leaks
    assert anonymous_get(notice.url).status_code == 302  # private in the end


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_watch_sees_a_restriction_made_after_the_page_went_live(editor_client, demo_site, monkeypatch):
    """The same flow with the restriction made by a page_published receiver (after the live row
    is committed) instead of inside the page's save: the watch finds the unrestricted live notice."""
    apply = NoticePage.apply_members_only
    monkeypatch.setattr(NoticePage, "apply_members_only", lambda self: None)

    def restrict_after_publishing(sender, instance, **kwargs):
        apply(instance)

    page_published.connect(restrict_after_publishing, sender=NoticePage)
    try:
        index = demo_site["notices"]
        with watched(public_urls(index, "members-notice")) as watch:
            notice = publish_as_editor(editor_client, index)
    finally:
        page_published.disconnect(restrict_after_publishing, sender=NoticePage)
    assert "members-notice" in watch.unrestricted
    assert notice.view_restrictions.exists()
