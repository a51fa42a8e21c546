from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "会員"

    def ready(self):
        from . import dashboard, menu  # noqa: F401  register the members-area entries and panels of this app
