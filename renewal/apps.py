from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "renewal"
    verbose_name = "資格更新・セミナー"

    def ready(self):
        from . import dashboard, extensions, menu  # noqa: F401  register the members-area entries and panels of this app
