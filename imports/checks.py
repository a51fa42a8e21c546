"""System checks: the import files' storage must be private (no URL, not under a served folder)."""

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.files.storage import InvalidStorageError, storages

from .storage import ALIAS


@checks.register()
def private_import_storage(app_configs, **kwargs):
    try:
        storage = storages[ALIAS]
    except InvalidStorageError:
        return [checks.Error(f'STORAGES has no "{ALIAS}" entry for the uploaded import files.', id="imports.E001")]
    errors = []
    try:
        url = storage.url("imports/check.csv")
    except (ValueError, NotImplementedError):
        url = None
    if url:
        errors.append(
            checks.Error(
                f'STORAGES["{ALIAS}"] gives import files a URL ({url}); they are personal data and must have none.',
                hint="Use imports.storage.PrivateFileSystemStorage.",
                id="imports.E002",
            )
        )
    location = getattr(storage, "location", None)
    if location:
        private = Path(location).resolve()
        for name in ("MEDIA_ROOT", "STATIC_ROOT"):
            served = getattr(settings, name, None)
            if served and (private == Path(served).resolve() or Path(served).resolve() in private.parents):
                errors.append(
                    checks.Error(
                        f"The import files' folder {private} is inside {name} ({served}), which is served.",
                        hint="Set PRIVATE_FILES_ROOT to a folder outside MEDIA_ROOT and STATIC_ROOT.",
                        id="imports.E003",
                    )
                )
    return errors
