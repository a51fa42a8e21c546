from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "gateway_sandbox"
    label = "gateway_sandbox"
    verbose_name = "決済サンドボックス"
