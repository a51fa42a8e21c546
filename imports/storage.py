"""Where uploaded import files live: a private storage, never under MEDIA_ROOT, with no URL.

The files are member lists and bank statements (personal data). ``STORAGES["imports"]``
(settings) puts them under ``PRIVATE_FILES_ROOT``, a folder no web server or proxy serves;
the code reads them through the storage API only (``job.file.open()``), and ``url()``
refuses, so no template or view can link to one by mistake.

``ImportJob.file`` gets its storage from ``import_files_storage`` (a callable, so the
migration records a reference rather than a path). It returns a lazy proxy that looks the
alias up in ``django.core.files.storage.storages`` when first used and again after
``STORAGES`` changes, so ``settings.STORAGES = ...`` in a test takes effect as it does for
``default_storage``.
"""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

ALIAS = "imports"


class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage without URLs: ``url()`` raises instead of falling back to MEDIA_URL."""

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Import files are private: they have no URL.")


class ImportFilesStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[ALIAS]


import_files = ImportFilesStorage()


def import_files_storage():
    """The storage of ``ImportJob.file`` (``STORAGES["imports"]``)."""
    return import_files


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        import_files._wrapped = empty
