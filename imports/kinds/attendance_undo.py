"""Reviewing and undoing an applied attendance sheet (出席者取込): the kind's side.

The rule and the writes are renewal's (``renewal.attendance_undo``): the credits the job created
are deleted and the registrations it marked attended are unmarked, unless a renewal application
counted a credit since or staff marked its registration attended since. Here the kind turns
that into what the job page shows: links to the credits and registrations the job wrote
(filtered by its number) and the blocked rows, named by member and session (the credits do
not keep the sheet's row number).
"""

from django.urls import reverse
from django.utils.http import urlencode

from renewal import attendance_undo

from ..undo import UndoBlocked, UndoBlocker

CREDIT_LIST = "wagtailsnippets_renewal_credit:list"
REGISTRATION_LIST = "wagtailsnippets_renewal_registration:list"


class AttendanceUndo:
    undoable = True
    undo_description = (
        "この取込で登録した受講履歴を削除します(会員の受講履歴ポイント照会からも消えます)。",
        "この取込で参加済にした参加申込を未参加に戻します(取込で変えた参加形態も元に戻します)。",
        "取込の前からあった受講履歴と、取込の後に事務局が参加済にした参加申込はそのままです。",
        "取込の後にされた資格更新申請の点数に含まれる受講履歴があると取り消せません。",
    )

    def undo_blockers(self, job):
        return [self._blocker(blocker) for blocker in attendance_undo.undo_blockers(import_job=job.pk)]

    def undo(self, job, user):
        try:
            done = attendance_undo.undo_import(import_job=job.pk, user=user)
        except attendance_undo.AttendanceUndoBlocked as blocked:
            raise UndoBlocked([self._blocker(blocker) for blocker in blocked.blockers]) from blocked
        return f"受講履歴 {done.credits:,}件を削除し、参加申込 {done.registrations:,}件を未参加に戻しました。"

    def review_links(self, job):
        query = urlencode({"import_job": job.pk})
        return [
            ("この取込で登録した受講履歴", f"{reverse(CREDIT_LIST)}?{query}"),
            ("この取込で参加済にした参加申込", f"{reverse(REGISTRATION_LIST)}?{query}"),
        ]

    @staticmethod
    def _blocker(blocker):
        return UndoBlocker(None, f"{blocker.member_number} {blocker.member_name} / {blocker.session}", blocker.reason)
