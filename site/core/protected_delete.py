"""Refusing, with a message, to delete an admin row that other rows protect.

A row that others point to with ``on_delete=PROTECT`` (a member's invoices, registrations and
credits; a session's credits) cannot be deleted: Django raises ``ProtectedError``, which
Wagtail's delete views do not catch (a 500 after 「はい、削除します」, while the confirmation
said the row was referenced from nowhere). ``refuse_protected_delete`` is a
``before_delete_snippet`` hook body: it asks Django's deletion collector, before the
confirmation page is shown, what would protect the rows, and if anything does, goes back with a
message naming the records in the way.
"""

from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import AdminURLFinder


def protected_by(instances):
    """The names (verbose_name) of the kinds of rows that keep ``instances`` from being deleted,
    sorted; empty when nothing does."""
    if not instances:
        return []
    collector = Collector(using=router.db_for_write(type(instances[0])))
    try:
        collector.collect(instances)
    except ProtectedError as error:
        blocking = error.protected_objects
    except RestrictedError as error:
        blocking = error.restricted_objects
    else:
        return []
    return sorted({str(row._meta.verbose_name) for row in blocking})


def refuse_protected_delete(request, instances, hints=None):
    """None when ``instances`` may be deleted; otherwise an error message (with the model's hint
    from ``hints``, {model: text}) and a redirect to ``next``, the row's edit page or the admin."""
    instances = list(instances)
    names = protected_by(instances)
    if not names:
        return None
    records = "・".join(names)
    if len(instances) == 1:
        text = f"「{instances[0]}」には{records}の記録があるため削除できません。"
    else:
        text = f"選んだ{len(instances)}件には{records}の記録があるものが含まれるため削除できません。"
    hint = (hints or {}).get(type(instances[0]), "")
    messages.error(request, text + hint)
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    if not target and len(instances) == 1:
        target = AdminURLFinder(request.user).get_edit_url(instances[0]) or ""
    return redirect(target or reverse("wagtailadmin_home"))
