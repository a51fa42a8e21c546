from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "会員"

    def ready(self):
        from . import menu  # noqa: F401  registers the members-area entries of this app
