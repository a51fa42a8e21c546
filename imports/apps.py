import importlib
import pkgutil

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "取込"

    def ready(self):
        # `checks` registers the private-storage system checks. Import kinds register
        # themselves: every module of imports/kinds/, and an `import_kinds` module in any
        # installed app (the attendance and bank-transfer kinds).
        from . import checks, kinds  # noqa: F401

        for module in pkgutil.iter_modules(kinds.__path__):
            importlib.import_module(f"{kinds.__name__}.{module.name}")
        autodiscover_modules("import_kinds")
