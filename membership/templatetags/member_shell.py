from django import template

from membership.shell import menu_entries

register = template.Library()


@register.simple_tag(takes_context=True)
def member_menu(context):
    """The registered menu entries, each with ``is_active`` for the current page."""
    match = getattr(context.get("request"), "resolver_match", None)
    current = match.view_name if match else ""
    return [
        {"label": entry.label, "url": entry.url, "is_active": current == entry.url_name or current in entry.active_for}
        for entry in menu_entries()
    ]
