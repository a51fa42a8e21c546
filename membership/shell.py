"""The members-area shell: the access rule of every members-area page (``members_area``), and
the menu, the dashboard notices, the dashboard panels and the applications in progress, as
registries.

Each app adds its own menu entries, dashboard notices and panels (in its ``AppConfig.ready`` or
a module imported from it), so a later feature plugs in without editing the shell, the menu
never links to a page that does not exist, and the dashboard shows what a later app knows
(certification, points, seminars) without membership importing it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    order: int
    # Extra url names that highlight this entry (its sub-pages).
    active_for: tuple = ()
    # ``shown_for(member)``: whether this member sees the entry (None: every member).
    shown_for: object = None
    # Whether guest accounts (no member profile) see it: only pages open to them.
    guests: bool = False
    # Wagtail page types (``app_label.modelname``) shown in the members-area frame that
    # highlight this entry: a notice highlights お知らせ一覧.
    active_for_pages: tuple = ()

    @property
    def url(self):
        return fixed_url(self.url_name)


def fixed_url(url_name):
    """The link of a page without URL arguments (a menu entry, a dashboard panel's page),
    reversed once per process: every page shows the whole menu."""
    return _reversed(url_name, get_script_prefix(), get_urlconf())


@cache
def _reversed(url_name, script_prefix, urlconf):
    return reverse(url_name, urlconf=urlconf)


@dataclass(frozen=True)
class DashboardNotice:
    """One bar on the dashboard: a message, where it leads, and how urgent it is."""

    message: str
    url: str = ""
    level: str = "info"  # "info" or "warning"


_menu: dict[str, MenuEntry] = {}
_notice_providers = []


def register_menu_entry(label, url_name, order, active_for=(), shown_for=None, guests=False, active_for_pages=()):
    _menu[url_name] = MenuEntry(
        label=label,
        url_name=url_name,
        order=order,
        active_for=tuple(active_for),
        shown_for=shown_for,
        guests=guests,
        active_for_pages=tuple(active_for_pages),
    )


def menu_entries(member=None, *, guest=False):
    """The entries in menu order; for a member, those shown to that member; for a guest, the
    entries open to guests."""
    entries = sorted(_menu.values(), key=lambda entry: entry.order)
    if guest:
        return [entry for entry in entries if entry.guests]
    if member is None:
        return entries
    return [entry for entry in entries if entry.shown_for is None or entry.shown_for(member)]


def dashboard_notice(provider):
    """Decorator: ``provider(request)`` returns an iterable of DashboardNotice."""
    _notice_providers.append(provider)
    return provider


def dashboard_notices(request):
    notices = []
    for provider in _notice_providers:
        notices.extend(provider(request) or ())
    return notices


@dataclass(frozen=True)
class DashboardPanel:
    """One panel of the dashboard: a template and its context provider.

    ``provider(request, member)`` returns the template's context (a dict, given to the template
    as ``panel``), or None when the panel has nothing for this person. ``member`` is the
    account's member profile, None for a guest account without one. ``guests``: whether guests
    (非会員: no profile, or a profile of status 非会員(ゲスト)) see the panel at all.
    """

    name: str
    template: str
    order: int
    provider: Callable
    guests: bool = False


@dataclass(frozen=True)
class ShownPanel:
    """A panel as the dashboard renders it: ``{% include template with panel=context %}``."""

    name: str
    template: str
    context: dict


@dataclass(frozen=True)
class ApplicationInProgress:
    """One line of the dashboard's 申請中の手続き: what was applied for, where it stands, its page."""

    label: str
    state: str
    url: str
    submitted_on: datetime.date | None = None
    detail: str = ""


_panels: dict[str, DashboardPanel] = {}
_application_providers = []


def dashboard_panel(name, *, template, order, guests=False):
    """Decorator: ``provider(request, member)`` fills the panel ``name`` (see DashboardPanel)."""

    def register(provider):
        _panels[name] = DashboardPanel(name=name, template=template, order=order, provider=provider, guests=guests)
        return provider

    return register


def request_cached(request, key, compute):
    """``compute()`` once per request: the dashboard's notices and panels share what they read
    (the unpaid invoices, the pending application, the credit evaluation) instead of asking twice."""
    cache = request.__dict__.setdefault("_members_area_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def is_guest_account(request):
    """A guest (非会員): an account without a member profile, or a profile of status 非会員(ゲスト)."""
    member = request.user.member_profile
    return member is None or member.is_guest


def dashboard_panels(request):
    """The panels this person sees, in order, each with its context (a constant number of
    queries per panel, whatever the member's history)."""
    member = request.user.member_profile
    guest = is_guest_account(request)
    shown = []
    for panel in sorted(_panels.values(), key=lambda panel: panel.order):
        if guest and not panel.guests:
            continue
        context = panel.provider(request, member)
        if context is not None:
            shown.append(ShownPanel(name=panel.name, template=panel.template, context=context))
    return shown


def application_in_progress(provider):
    """Decorator: ``provider(request, member)`` returns an iterable of ApplicationInProgress."""
    _application_providers.append(provider)
    return provider


def applications_in_progress(request, member):
    """Every app's applications of ``member`` that are not finished yet."""
    found = []
    for provider in _application_providers:
        found.extend(provider(request, member) or ())
    return found


def is_staff_only(user):
    """A staff account without a member profile: its pages are the admin's, not the members area."""
    return user.kind == user.Kind.STAFF or (user.is_staff and user.member_profile is None)


def sees_members_area(user):
    """Whether ``user`` reads the site inside the members-area frame (header, menu, logout): a
    logged-in member or guest. Pages shared with the public site (the notices, the inquiry
    form: Wagtail pages) keep that frame for them; visitors and staff see the public one."""
    return user.is_authenticated and not is_staff_only(user)


def members_area(view=None, *, guests=False, guest_members=True):
    """Every members-area page: login required; staff without a member profile go to the admin.

    Pages about a member's own membership (profile, dues, card, seminars, credits, renewal,
    applications) need a member profile; a guest account without one is told so. Pages that
    make sense for those accounts too are marked ``@members_area(guests=True)``.

    A guest who signed up (``membership.guests``: a profile of status 非会員(ゲスト)) passes,
    except on pages about membership itself, marked ``@members_area(guest_members=False)``
    (the card, credits, renewal, applications), which answer the same 403 page.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return auth_views.redirect_to_login(request.get_full_path())
            if is_staff_only(user):
                return redirect("wagtailadmin_home")
            member = user.member_profile
            if not guests and member is None:
                return render(request, "membership/members_only.html", status=403)
            if not guest_members and member is not None and member.is_guest:
                return render(request, "membership/members_only.html", status=403)
            return view(request, *args, **kwargs)

        wrapper.allows_guests = guests
        wrapper.allows_guest_members = guest_members
        return wrapper

    return decorate(view) if view is not None else decorate
