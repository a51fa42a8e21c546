"""受付 in the admin: its URLs (the scan endpoint's is in ``config.urls``), its menu item (shown only with the ``renewal.check_in``
permission, so that a receptionist in the 受付 group sees this and nothing else), the
permission staff groups can be given, and the history entry of a registration made at the desk."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from ..checkin import DESK_REGISTERED_ACTION, can_check_in
from ..views import checkin as views

urlpatterns = [
    path("", views.SessionsView.as_view(), name="sessions"),
    path("<int:session_id>/", views.DeskView.as_view(), name="desk"),
]


@hooks.register("register_admin_urls")
def register_checkin_urls():
    return [path("checkin/", include((urlpatterns, "checkin"), namespace="checkin"))]


class CheckinMenuItem(MenuItem):
    def is_shown(self, request):
        return can_check_in(request.user)


@hooks.register("register_admin_menu_item")
def register_checkin_menu_item():
    return CheckinMenuItem("受付", reverse("checkin:sessions"), name="checkin", icon_name="clipboard-list", order=120)


@hooks.register("register_permissions")
def register_checkin_permission():
    return Permission.objects.filter(content_type__app_label="renewal", codename="check_in")


@hooks.register("register_log_actions")
def register_checkin_log_actions(actions):
    actions.register_action(DESK_REGISTERED_ACTION, "受付で当日申込", "受付で当日申込しました")
