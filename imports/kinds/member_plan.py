"""The member-list import's plan kept from preview to import, and what the import re-checks.

The preview cleans every cell and matches every row (``members.MemberImport.validate``); the
plan it keeps (``imports/plans.py``) has one entry per row: the values of a new member, the
values and changed columns of a known member, or a known member left alone; a known member
with a digest of the values the preview compared the row with. Values are tuples in the order
of the kind's ``attributes`` (a plan kept before that has dicts: ``as_values``).

Under the job's row lock the import re-checks only what other writers may have changed since
(the rules about the file itself cannot have changed): the new members' numbers are still free
(no account or member has it, none differs from it only by leading zeros), the e-mail addresses
written are still no other account's, and the known members still hold the values the preview
saw (not changed, not deleted). A row that fails is refused with its reason, and the import
writes nothing (a stale preview is refused): staff upload the file again and see it checked
against the database as it is now.
"""

import hashlib

from membership.member_numbers import lookalikes
from membership.members import EMAIL
from membership.models import Member, User

from ..loading import chunks, preload
from ..member_lookup import PROBABLE_COLUMNS, probable_text
from ..report import NEW, UNCHANGED, UPDATED

CREATE, UPDATE, KEEP = "n", "u", "s"  # a plan entry's first item
OUTCOME = {CREATE: NEW, UPDATE: UPDATED, KEEP: UNCHANGED}


class MemberPlanKeeping:
    keeps_plan = True

    def digest_columns(self):
        """What the preview compared a known member's row with: the digest is over these."""
        return ["id", "user_id", *self.member_attributes, EMAIL]

    def digest(self, current):
        text = repr([current[column] for column in self.digest_columns()])
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def dump_plan(self, plan):
        entries = [(CREATE, number, values) for number, values in zip(plan.create_rows, plan.creates, strict=True)]
        for number, (current, values, changed) in zip(plan.update_rows, plan.updates, strict=True):
            entries.append((UPDATE, number, values, changed, current["id"], current["user_id"], self.digest(current)))
        entries.extend((KEEP, number, current["id"], self.digest(current)) for number, current in plan.unchanged)
        return entries

    def load_plan(self, entries, report):
        from .members import MemberPlan

        plan = MemberPlan()
        for entry in entries:
            if entry[0] == CREATE:
                plan.create_rows.append(entry[1])
                plan.creates.append(self.as_values(entry[2]))
            elif entry[0] == UPDATE:
                _kind, number, values, changed, member_id, user_id, digest = entry
                plan.update_rows.append(number)
                current = {"id": member_id, "user_id": user_id, "digest": digest}
                plan.updates.append((current, self.as_values(values), changed))
            else:
                plan.unchanged.append((entry[1], {"id": entry[2], "digest": entry[3]}))
        return plan

    def as_values(self, values):
        """A row's values as a tuple of ``attributes``: a plan kept before the values were tuples
        has a dict by attribute."""
        if values.__class__ is dict:
            return tuple(values[attribute] for attribute in self.attributes)
        return values

    # --- the re-check under the job's lock -----------------------------------------------------
    def recheck(self, plan, report):
        self.recheck_numbers(plan, report)
        self.recheck_known(plan, report)
        self.recheck_emails(plan, report)

    def recheck_numbers(self, plan, report):
        """The new members' numbers: no account or member took them, or one of their lookalikes."""
        number_at = self.position["member_number"]
        rows = dict(zip((values[number_at] for values in plan.creates), plan.create_rows, strict=True))
        if not rows:
            return
        taken = {row["username"] for row in preload(User.objects.all(), "username", rows, columns=["username"])}
        taken.update(
            row["member_number"]
            for row in preload(Member.objects.all(), "member_number", rows, columns=["member_number"])
        )
        for number in sorted(taken):
            report.refuse(
                rows[number],
                NEW,
                "会員番号",
                f"会員番号 {number} は、確認の後に登録された会員またはアカウントが使っています。",
            )
        for number, probable in lookalikes([n for n in rows if n not in taken], columns=PROBABLE_COLUMNS).items():
            report.refuse(
                rows[number],
                NEW,
                "会員番号",
                f"会員番号 {number} は、確認の後に登録された会員 {probable_text(probable)}と先頭の0だけが違います。",
            )

    def recheck_known(self, plan, report):
        """The known members still hold the values the preview compared the rows with."""
        known = {current["id"]: (number, UPDATED, current["digest"]) for number, (current, _v, _c) in
                 zip(plan.update_rows, plan.updates, strict=True)}  # fmt: skip
        known.update((current["id"], (number, UNCHANGED, current["digest"])) for number, current in plan.unchanged)
        if not known:
            return
        columns = list(dict.fromkeys(["member_number", *self.digest_columns()]))
        now = {}
        for chunk in chunks(sorted(known)):
            now.update((row["id"], row) for row in Member.objects.filter(pk__in=chunk).order_by().values(*columns))
        for member_id, (number, outcome, digest) in sorted(known.items(), key=lambda item: item[1][0]):
            current = now.get(member_id)
            if current is None or self.digest(current) != digest:
                who = f"会員 {current['member_number']} " if current else "この会員"
                report.refuse(
                    number,
                    outcome,
                    "会員番号",
                    f"{who}の登録が確認の後に変更されました(または削除されました)。"
                    "ファイルをもう一度アップロードして、今の登録と照らし合わせてください。",
                )

    def recheck_emails(self, plan, report):
        """The e-mail addresses the import writes are still no other account's."""
        email_at = self.position[EMAIL]
        written = {}  # lower-cased e-mail → (row, class, own account or None)
        for number, values in zip(plan.create_rows, plan.creates, strict=True):
            if values[email_at]:
                written[values[email_at].lower()] = (number, NEW, None)
        for number, (current, values, changed) in zip(plan.update_rows, plan.updates, strict=True):
            if EMAIL in changed and values[email_at]:
                written[values[email_at].lower()] = (number, UPDATED, current["user_id"])
        owners = self.email_owners(written)
        if not owners:
            return  # the common case: no account has any of them
        for email, (number, outcome, own_user) in sorted(written.items(), key=lambda item: item[1][0]):
            others = [login for user_id, login in owners.get(email, ()) if user_id != own_user]
            if others:
                report.refuse(
                    number,
                    outcome,
                    "メールアドレス",
                    f"このメールアドレスは他のアカウント({others[0]})が使っています。",
                )
