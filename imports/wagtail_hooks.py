"""The 取込 menu item, the admin URLs and the permission staff groups can be given."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import urls
from .views import can_import


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("imports/", include(urls, namespace="imports"))]


class ImportsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_import(request.user)


@hooks.register("register_admin_menu_item")
def register_imports_menu_item():
    return ImportsMenuItem("取込", reverse("imports:index"), name="imports", icon_name="upload", order=800)


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(content_type__app_label="imports", codename="run_import")
