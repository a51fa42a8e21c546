from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app, for what belongs to no app: the ``seed_demo`` command,
    which puts the apps' demo rows together (config may import every app)."""

    name = "config"
    verbose_name = "プロジェクト"
