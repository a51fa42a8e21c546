"""INTERIM, to be deleted: nothing of the money screens is here any more (see membership/admin/).

Only the old ``ActionFormView`` that logs in the view (``log_entry``) is left, because the
application screens (membership/application_viewsets.py) and renewal's attendance screen
(renewal/viewsets.py) still import it. Once their services write their own history entries
and they use ``core.admin_kit.ActionFormView``, delete this module.
"""

from django.db import transaction
from wagtail.log_actions import log

from core import admin_kit


class ActionFormView(admin_kit.ActionFormView):
    """Interim: logs in the view (``log_entry``); use ``core.admin_kit.ActionFormView``."""

    def form_valid(self, form):
        original_perform = self.perform

        def perform_and_log(data):
            with transaction.atomic():
                instance = original_perform(data)
                action, entry = self.log_entry(instance, data)
                log(instance=instance, action=action, user=self.request.user, data=entry)
            return instance

        self.perform = perform_and_log
        return super().form_valid(form)
