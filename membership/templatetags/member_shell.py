from django import template
from wagtail.models import Page

from membership.shell import fixed_url as _fixed_url
from membership.shell import menu_entries

register = template.Library()


@register.simple_tag(takes_context=True)
def member_menu(context):
    """The registered menu entries, each with ``is_active`` for the current page."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    member = user.member_profile if signed_in else None
    # A Wagtail page in the members-area frame (a notice, the inquiry form) highlights its entry.
    page = context.get("page")
    page_type = page._meta.label_lower if isinstance(page, Page) else None
    return [
        {
            "label": entry.label,
            "url": entry.url,
            "is_active": current == entry.url_name
            or current in entry.active_for
            or page_type in entry.active_for_pages,
        }
        for entry in menu_entries(member, guest=signed_in and member is None)
    ]


@register.simple_tag
def fixed_url(url_name):
    """``{% url 'name' %}`` for a URL without arguments, reversed once per process (the header,
    the menu and the dashboard's panels link to the same pages on every request)."""
    return _fixed_url(url_name)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """``?…&page=number``: the current query string (search filters, page size) with another page."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
