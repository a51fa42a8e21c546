"""The sandbox's records in a database of their own, when the settings define one.

``settings.SANDBOX_DATABASE_URL`` (development on SQLite: `make run`, the browser tests) adds the
``sandbox`` database and this router: the sandbox's models are read, written and migrated
there (``manage.py migrate --database sandbox``) and nothing else is. Without it the sandbox's
tables stay in the default database.
"""

DATABASE = "sandbox"
APP_LABEL = "gateway_sandbox"


def _ours(model_or_obj):
    return model_or_obj._meta.app_label == APP_LABEL


class SandboxRouter:
    def db_for_read(self, model, **hints):
        return DATABASE if _ours(model) else None

    def db_for_write(self, model, **hints):
        return DATABASE if _ours(model) else None

    def allow_relation(self, obj1, obj2, **hints):
        if _ours(obj1) or _ours(obj2):
            return _ours(obj1) and _ours(obj2)
        return None

    def allow_migrate(self, db, app_label, **hints):
        if app_label == APP_LABEL:
            return db == DATABASE
        return False if db == DATABASE else None
