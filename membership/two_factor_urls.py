"""Staff two-factor pages, mounted at /staff/two-factor/ (not members-area pages)."""

from django.urls import path

from .views import two_factor

app_name = "two_factor"

urlpatterns = [
    path("setup", two_factor.setup, name="setup"),
    path("verify", two_factor.verify, name="verify"),
    path("recovery-codes", two_factor.recovery_codes, name="recovery_codes"),
]
