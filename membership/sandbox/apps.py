from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "membership.sandbox"
    label = "gateway_sandbox"
    verbose_name = "決済サンドボックス"
