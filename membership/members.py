"""Staff changes to members through the Wagtail admin (registered as Wagtail actions in
wagtail_hooks.py, so every edit through Wagtail's action registry is treated alike).

- ``MemberEditAction``: Wagtail's edit, logging ``membership.member.edit`` with what changed
  (field label, old value, new value) in the log entry's ``data``; shown by
  ``admin.member_history.MemberEditLogFormatter``.
- ``MemberDeleteAction``: deleting a member removes its account too.
- ``write_imported_members``: the member-list import's writes (new accounts and members,
  changed members and e-mails), in bulk.
"""

import base64
import datetime
import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from wagtail.actions.delete import DeleteAction
from wagtail.actions.edit import EditAction
from wagtail.log_actions import log

from core.bulk import insert_rows, update_rows

from .models import Member, User
from .models.members import new_card_keys

MEMBER_EDIT_ACTION = "membership.member.edit"
EMAIL = "user__email"  # the account's e-mail among a member's imported values

# Fields whose changes are not worth a line in the history (bookkeeping, not member data).
UNTRACKED_FIELDS = {"id", "user", "profile_saved_at", "created_at", "updated_at"}
EMAIL_LABEL = "メールアドレス"


def _tracked_fields():
    return [f for f in Member._meta.concrete_fields if f.name not in UNTRACKED_FIELDS]


def member_snapshot(member):
    """The values the history compares: the member's own fields plus the account's e-mail."""
    values = {f.name: f.value_from_object(member) for f in _tracked_fields()}
    values["email"] = member.user.email if member.user_id else ""
    return values


def _display(field, value):
    if value in (None, ""):
        return ""
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def member_changes(before, after):
    """[{"field", "label", "old", "new"}] for every tracked value that differs, in form order."""
    changes = []
    for field in [*_tracked_fields(), None]:
        name = field.name if field else "email"
        old, new = before.get(name), after.get(name)
        if (old or None) == (new or None):
            continue
        changes.append(
            {
                "field": name,
                "label": str(field.verbose_name) if field else EMAIL_LABEL,
                "old": _display(field, old),
                "new": _display(field, new),
            }
        )
    return changes


class MemberEditAction(EditAction):
    """Wagtail's edit action, logging ``membership.member.edit`` with the changes as data.

    Registered for Member through the ``register_actions`` hook, so every edit that goes
    through Wagtail's action registry (the admin edit view, the API) is logged alike.
    """

    def __init__(self, instance, user=None, *, log_action="wagtail.edit", **kwargs):
        super().__init__(instance, user, log_action=False, **kwargs)
        self.member_log_action = MEMBER_EDIT_ACTION if log_action == "wagtail.edit" else log_action

    def _edit(self, skip_permission_checks=False):
        with transaction.atomic():
            stored = Member.objects.select_for_update().select_related("user").get(pk=self.instance.pk)
            before = member_snapshot(stored)
            instance = super()._edit(skip_permission_checks=skip_permission_checks)
            changes = member_changes(before, member_snapshot(instance))
            if self.member_log_action:
                log(
                    instance=instance,
                    action=self.member_log_action,
                    user=self.user,
                    data={"changes": changes},
                    content_changed=bool(changes),
                )
        return instance


class MemberDeleteAction(DeleteAction):
    """Deleting a member (a record entered by mistake; leavers are 退会, not deleted) also
    removes its account, so the member number can be used again. An account that other
    records still point to is deactivated instead."""

    def _delete(self):
        with transaction.atomic():
            account = self.instance.user
            result = super()._delete()
            try:
                with transaction.atomic():
                    account.delete()
            except (ProtectedError, IntegrityError):
                account.is_active = False
                account.set_unusable_password()
                account.save(update_fields=["is_active", "password", "password_changed_at"])
        return result


def unusable_passwords(count):
    """What make_password(None) stores, for ``count`` accounts: 30 random bytes each, as 40
    URL-safe characters (``secrets.token_urlsafe(30)``), drawn at once (not 40 calls to
    secrets.choice per account, nor one call to the system per account)."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(30 * count)).decode()
    return [UNUSABLE_PASSWORD_PREFIX + text[start : start + 40] for start in range(0, len(text), 40)]


def write_imported_members(*, columns, creates, updates):
    """Write a checked member list in the caller's transaction (the import job's).

    ``columns``: the attributes of the imported values, in order (member fields and ``EMAIL``).
    ``creates``: the values (tuples of ``columns``) of new members: an account each (login id =
    member number, no usable password, first login through password reset) and its member.
    ``updates``: (current values, new values, changed attributes) of known members.
    """
    now = timezone.now()
    columns = list(columns)
    email_at = columns.index(EMAIL)
    profile = columns[:email_at] + columns[email_at + 1 :]
    if creates:
        number_at = columns.index("member_number")
        member = User.Kind.MEMBER
        user_ids = insert_rows(
            User,
            [
                (values[number_at], values[email_at], member, password, now)
                for values, password in zip(creates, unusable_passwords(len(creates)), strict=True)
            ],
            columns=["username", "email", "kind", "password", "date_joined"],
            return_ids=True,
            id_lookup="username",
        )
        # Tuples as psycopg takes them: the values without the e-mail, the account, the card key.
        insert_rows(
            Member,
            [
                values[:email_at] + values[email_at + 1 :] + (user_id, card_key)
                for values, user_id, card_key in zip(creates, user_ids, new_card_keys(len(creates)), strict=True)
            ],
            columns=[*profile, "user_id", "card_key"],
        )
    if updates:
        member_fields = set()
        members = []
        users = []
        for current, values, changed in updates:
            if EMAIL in changed:
                users.append({"id": current["user_id"], "email": values[email_at]})
            profile_changes = [attribute for attribute in changed if attribute != EMAIL]
            if not profile_changes:
                continue
            member_fields.update(profile_changes)
            row = dict(zip(columns, values, strict=True))
            del row[EMAIL]
            members.append({"id": current["id"], "user_id": current["user_id"], "updated_at": now, **row})
        # Every imported column of a changed row holds the file's value, so writing the
        # union of the changed columns is right for every row of the batch.
        update_rows(Member, members, [*sorted(member_fields), "updated_at"] if members else [])
        update_rows(User, users, ["email"])
