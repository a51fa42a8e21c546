"""The attendance import's plan kept from preview to import, and what the import re-checks.

The preview cleans every cell, matches the members and sessions and checks the sheet's own rules
(``attendance.AttendanceImport.validate``); it keeps every row without an error (``plans``):
the member and session it names, its 参加形態, its class and preview cells.

Under the job's row lock the import re-checks only what other writers may have changed since:
the members and sessions still exist, each session is still held (its date not moved past
today) and still offers the 参加形態, and each row's class is worked out again from the credits
and live registrations as they are now (a credit or a registration recorded or cancelled
meanwhile moves the row to its class, as the write does for what changes after the re-check).
A member or session gone, or a session no longer held, is refused with its reason and the
import writes nothing.
"""

from django.utils import timezone

from membership.models import Member
from renewal import attendance
from renewal.models import Registration

from ..loading import preload


class AttendancePlanKeeping:
    keeps_plan = True

    def dump_plan(self, plan):
        return plan.checked

    def load_plan(self, entries, report):
        from .attendance import AttendancePlan

        return AttendancePlan(checked=entries)

    def recheck(self, plan, report):
        session_ids = {entry[2] for entry in plan.checked}
        sessions = self.load_sessions(session_ids)
        credited = self.credited(sessions)
        registrations = self.live_registrations(sessions)
        today = timezone.localdate()
        not_held = {pk: attendance.not_held_refusal(session["date"], today=today) for pk, session in sessions.items()}
        wanted = {entry[1] for entry in plan.checked}
        members = {row["id"] for row in preload(Member.objects.all(), "id", wanted, columns=["id"])}
        plan.rows = []
        for number, member_id, session_id, participation_format, outcome, cells, warned in plan.checked:
            session = sessions.get(session_id)
            refusals = []
            if member_id not in members:
                refusals.append(("会員番号", f"会員番号 {cells[0]} の会員は確認の後に削除されました。"))
            if session is None:
                refusals.append(("セッションID", f"セッションID {session_id} のセッションは確認の後に削除されました。"))
            elif not_held[session_id]:
                refusals.append(
                    ("セッションID", f"セッションID {session_id}({session['label']}): {not_held[session_id]}")
                )
            elif participation_format and not self.format_offered(session, participation_format):
                label = Registration.Format(participation_format).label
                refusals.append(("参加形態", f"このセッションの学会・セミナーは{label}で開催されていません。"))
            for column, message in refusals:
                report.refuse(number, outcome, column, message)
            if refusals:
                continue
            now, detail, item = self.classify(
                number, member_id, session, participation_format, warned,
                credited=(member_id, session_id) in credited, registration=registrations.get((member_id, session_id)),
            )  # fmt: skip
            if now != outcome:
                report.reclassify(number, outcome, now, [*cells, detail])
            if item is not None:
                plan.rows.append((number, cells, now, item))
