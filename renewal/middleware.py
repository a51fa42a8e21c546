"""A receptionist's admin home is the 受付 desk.

A user whose only admin permission is 受付 (the 受付 group: admin access and ``renewal.check_in``)
opening the admin's home (after the staff login, or from the logo) is sent to the sessions of
the desk; Wagtail's home would show them an empty dashboard and a page search they cannot use.
Everybody else gets the home as before. Only a GET of the home path is looked at.
"""

from django.shortcuts import redirect
from django.urls import reverse

from .checkin import PERMISSION, can_check_in

RECEPTIONIST_PERMISSIONS = {"wagtailadmin.access_admin", PERMISSION}


def is_receptionist_only(user):
    return can_check_in(user) and not user.is_superuser and user.get_all_permissions() <= RECEPTIONIST_PERMISSIONS


class ReceptionistHomeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.home = None

    def __call__(self, request):
        if self.home is None:
            self.home = reverse("wagtailadmin_home")
        if request.method == "GET" and request.path == self.home and is_receptionist_only(request.user):
            return redirect("checkin:sessions")
        return self.get_response(request)
