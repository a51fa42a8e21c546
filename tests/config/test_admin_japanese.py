"""The admin speaks Japanese to the secretariat (事務局) and the editors (編集者).

Wagtail's own Japanese lacks hundreds of strings; the project's catalog (locale/ja, first in
LOCALE_PATHS) fills them in. These tests list what is still English:

- every string of Wagtail's apps in use and of the libraries whose text the admin shows has
  Japanese (a Wagtail upgrade that adds strings fails here, with the list);
- the strings of Wagtail's admin scripts, served by its JavaScript catalog, have Japanese;
- walking the admin screens as 事務局 and as 編集者 (menus, listings and their search with no
  result, inspect, edit, create with validation errors, history, reports, settings, the page
  explorer, page editing and its privacy dialog), no visible text is English
  (tests/config/admin_text.py says what counts), and nothing points at gravatar.com;
- the compiled catalogs (.mo, committed) say what their sources (.po) say.
"""

import gettext
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real
from wagtail.models import Collection, Page, Workflow

from tests.config.admin_text import VisibleText, english_words, menu_labels
from tests.two_factor import log_in_staff

LOCALE = Path(settings.BASE_DIR) / "locale"
SITE_PACKAGES = Path(polib.__file__).parent
WAGTAIL = SITE_PACKAGES / "wagtail"
# Wagtail's apps in INSTALLED_APPS (the others' strings never show) and the libraries whose
# text appears in the admin. Wagtail ships an English catalog with every string; the
# libraries do not, so another language's catalog lists their strings.
SOURCE_CATALOGS = [
    *(
        WAGTAIL / app / "locale/en/LC_MESSAGES/django.po"
        for app in (
            "",
            "admin",
            "snippets",
            "users",
            "documents",
            "images",
            "contrib/forms",
            "contrib/redirects",
            "contrib/settings",
            "sites",
            "search",
            "embeds",
        )
    ),
    SITE_PACKAGES / "django_filters/locale/de/LC_MESSAGES/django.po",
    SITE_PACKAGES / "import_export/locale/de/LC_MESSAGES/django.po",
    SITE_PACKAGES / "taggit/locale/de/LC_MESSAGES/django.po",
]
ADMIN_SCRIPT_CATALOG = WAGTAIL / "admin/locale/en/LC_MESSAGES/djangojs.po"


def catalog_key(entry):
    key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
    return (key, 0) if entry.msgid_plural else key


def untranslated(source, catalog):
    missing = []
    for entry in polib.pofile(str(source)):
        if entry.obsolete or not entry.msgid:
            continue
        if not catalog.get(catalog_key(entry)):
            missing.append(entry.msgid)
    return missing


def test_every_admin_string_of_wagtail_and_its_libraries_has_japanese():
    catalog = trans_real.translation("ja")._catalog
    missing = {str(source.relative_to(SITE_PACKAGES)): untranslated(source, catalog) for source in SOURCE_CATALOGS}
    missing = {source: ids for source, ids in missing.items() if ids}
    assert not missing, f"English left in the admin (add Japanese to locale/ja/LC_MESSAGES/django.po): {missing}"


def test_the_admin_scripts_catalog_has_japanese_for_every_string(admin_client):
    response = admin_client.get("/admin/jsi18n/")
    assert response.status_code == 200
    served = json.loads(re.search(r"const newcatalog = (\{.*?\});", response.text, re.S).group(1))
    catalog = {}
    for msgid, translation in served.items():
        catalog[msgid] = translation
        if isinstance(translation, list):
            catalog[(msgid, 0)] = translation[0]
    missing = untranslated(ADMIN_SCRIPT_CATALOG, catalog)
    assert not missing, f"English in the admin's scripts (add to locale/ja/LC_MESSAGES/djangojs.po): {missing}"
    assert served["Collapse all"] == "すべて閉じる"


@pytest.mark.parametrize("source", sorted(LOCALE.rglob("*.po")), ids=lambda path: path.name)
def test_compiled_catalogs_match_their_sources(source):
    """`make messages` rebuilds them; a .po edited without it fails here."""
    expected = {}
    for entry in polib.pofile(str(source)).translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            expected.update({(key, index): text for index, text in entry.msgstr_plural.items()})
        else:
            expected[key] = entry.msgstr
    with source.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    catalog.pop("", None)  # the header
    assert catalog == expected, f"{source.with_suffix('.mo')} is out of date: run `make messages`"


# --- the screens ---------------------------------------------------------------------------

# Links not to follow: leaving the admin, files and exports, the public site's preview, and
# Wagtail's links to its online guide.
NOT_SCREENS = re.compile(
    r"^(?!/admin/)|/logout/|[?&]export=|/jsi18n/|/preview/|\.(pdf|csv|xlsx)$|/download/|/pdf/|/receipt|/card"
)
SCREEN_LIMIT = 250
NO_RESULT = "該当なし検索"


def screen_key(url):
    """One visit per kind of screen: ids and query values do not make another one."""
    path, _, query = url.partition("?")
    params = sorted({part.partition("=")[0] for part in query.split("&") if part})
    return re.sub(r"\d+", "N", path.split("#")[0]), tuple(params)


def data_strings():
    """What users typed, which the admin shows as it is (names, titles, e-mail addresses)."""
    from django.contrib.auth import get_user_model
    from wagtail.models import ModelLogEntry, PageLogEntry

    from renewal.models import Seminar, Session

    values = set()
    for user in get_user_model().objects.all():
        values.update({user.get_username(), user.email, user.first_name, user.last_name})
    values.update(Page.objects.filter(depth__gt=1).values_list("title", flat=True))
    values.update(Page.objects.filter(depth__gt=1).values_list("draft_title", flat=True))
    for seminar in Seminar.objects.all():
        values.update({seminar.title, seminar.venue, seminar.organizer})
    values.update(Session.objects.values_list("title", flat=True))
    values.update(PageLogEntry.objects.values_list("label", flat=True))
    values.update(ModelLogEntry.objects.values_list("label", flat=True))
    return sorted((value for value in values if value), key=len, reverse=True)


def english_on(html, data):
    parser = VisibleText()
    parser.feed(html)
    texts = list(parser.texts)
    urls = []
    if "wagtail-sidebar-props" in parser.json_scripts:
        labels, urls = menu_labels(parser.json_scripts["wagtail-sidebar-props"])
        texts += labels
    return [text for text in texts if english_words(text, data)], [*urls, *parser.links]


def walk(client, start, data):
    """GET every admin screen reachable from ``start`` (once per kind of screen); the English
    found, by text, with where; and the screens seen."""
    queue, seen, found, pages = list(start), set(), defaultdict(set), {}
    while queue and len(seen) < SCREEN_LIMIT:
        url = queue.pop(0)
        if NOT_SCREENS.search(url) or screen_key(url) in seen:
            continue
        seen.add(screen_key(url))
        response = client.get(url)
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json"):  # a modal dialog (privacy, choosers)
            html = json.loads(response.content).get("html", "")
        elif content_type.startswith("text/html"):
            html = response.content.decode()
        else:
            continue
        pages[url] = html
        english, links = english_on(html, data)
        for text in english:
            found[text].add(url)
        queue.extend(links)
        if url.startswith("/admin/snippets/") and url.count("/") == 5 and "?" not in url:
            queue.append(f"{url}?q={NO_RESULT}")  # a listing's search without a result
    return found, pages


def submit_with_errors(client, url):
    """POST an empty form: the page that says what is wrong."""
    response = client.post(url, {})
    assert response.status_code == 200, url
    return url, response.content.decode()


def report(found):
    return "\n".join(f"  {text!r} on {sorted(urls)[:2]}" for text, urls in sorted(found.items()))


TITLE = re.compile(r"<title>(.*?)</title>", re.S)  # full pages; choosers and modals are fragments


@pytest.fixture
def demo(settings, db):
    settings.DEBUG = True  # seed_demo refuses to run with DEBUG off
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize("username", ["jimukyoku", "editor"])
def test_the_admin_screens_show_no_english(client, demo, username):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    log_in_staff(client, user)
    notice = Page.objects.get(slug="notices").get_children().first()
    start = [
        "/admin/",
        "/admin/pages/",
        f"/admin/pages/{notice.pk}/edit/",
        f"/admin/pages/{notice.get_parent().pk}/privacy/",  # notices use their 会員限定 field instead
        f"/admin/pages/search/?q={NO_RESULT}",
        "/admin/account/",
    ]
    data = data_strings()
    found, pages = walk(client, start, data)
    extra = []
    if notice.get_parent().permissions_for_user(user).can_add_subpage():  # 編集者
        extra.append(submit_with_errors(client, f"/admin/pages/add/cms_pages/noticepage/{notice.get_parent().pk}/"))
        assert "入力エラーがあるため、ページを作成できませんでした。" in extra[-1][1]
        assert "限定公開(ログインしたユーザーが閲覧)" in pages[f"/admin/pages/{notice.get_parent().pk}/privacy/"]
    if user.has_perm("renewal.add_seminar"):  # 事務局
        extra.append(submit_with_errors(client, "/admin/snippets/renewal/seminar/add/"))
    for url, html in extra:
        pages[url] = html
        for text in english_on(html, data)[0]:
            found[text].add(url)

    assert len(pages) > (60 if username == "jimukyoku" else 30), sorted(pages)
    assert not found, f"English on the admin screens of {username}:\n{report(found)}"
    assert not [url for url, html in pages.items() if "gravatar" in html], "avatars must not come from gravatar.com"
    # The browser tab says whose system it is: "お知らせ - 会員管理システム", not "... - Wagtail".
    titles = {url: found.group(1).strip() for url, html in pages.items() if (found := TITLE.search(html))}
    assert titles["/admin/"].endswith("- 会員管理システム"), titles["/admin/"]
    assert not [url for url, title in titles.items() if "Wagtail" in title], titles


def test_wagtails_initial_rows_have_japanese_names(db):
    """The page tree's and the collections' root and the default moderation workflow."""
    assert Page.objects.get(depth=1).get_admin_display_title() == "ルート"
    assert Collection.objects.get(depth=1).name == "ルート"
    assert not Workflow.objects.filter(name__contains="Moderators").exists()


@pytest.mark.parametrize(
    "msgid, japanese",
    [
        ("Privacy changes apply to all children of this page too.", "このページの下にあるすべてのページにも"),
        ("scheduled", "公開予約"),
        ("live + scheduled", "公開 + 公開予約"),
        ("The setting could not be saved due to errors.", "設定を保存できませんでした"),
        ("The page title as you'd like it to be seen by the public", "訪問者に表示されるページのタイトル"),
    ],
)
def test_wagtails_wrong_japanese_is_corrected(msgid, japanese):
    """Wagtail's catalog says 孫ページ (grandchildren) for the pages below, 予定日 (a date)
    for a page scheduled to be published, サイト for the settings (学会の設定) and garbles the
    help under a page's title."""
    from django.utils import translation

    with translation.override("ja"):
        assert japanese in translation.gettext(msgid)
