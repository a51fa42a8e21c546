from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "renewal"
    verbose_name = "資格更新・セミナー"

    def ready(self):
        from . import menu  # noqa: F401  registers the members-area entries of this app
