"""How a session finds its account: with the member profile in the same query."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's ``ModelBackend``, but a session's account comes with its member profile: every
    members-area page reads both (the header's name, the menu), one query instead of two.
    An account without a profile (staff, a guest) knows it has none without asking again."""

    def get_user(self, user_id):
        accounts = get_user_model()._default_manager.select_related("member")
        try:
            user = accounts.get(pk=user_id)
        except accounts.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
