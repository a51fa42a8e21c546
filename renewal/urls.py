"""Members-area pages of seminars, credits and renewal, under /member/ (login required: every
view is wrapped in ``membership.shell.members_area``)."""

from django.urls import path

from .views import certificates, credits, participations, renewal, seminars, waiting_list

app_name = "renewal"

urlpatterns = [
    # 学会・セミナー一覧 and 参加申込 (guide 5)
    path("seminars", seminars.seminars, name="seminars"),
    path("seminars/sessions/<int:session_id>/apply", seminars.registration_new, name="registration_new"),
    # 学会・セミナー参加一覧, 取消, 受講票 (guide 6)
    path("seminars/participations", participations.participations, name="participations"),
    path(
        "seminars/registrations/<int:registration_id>/cancel",
        participations.registration_cancel,
        name="registration_cancel",
    ),
    path("seminars/registrations/<int:registration_id>/ticket", participations.ticket, name="ticket"),
    # 出席証明書 (issue 14), from the participation list and the points page
    path("seminars/registrations/<int:registration_id>/certificate", certificates.certificate, name="certificate"),
    # 資格更新確認 (guide 7) and 更新延長申請 (guide 14)
    path("renewal", renewal.renewal, name="renewal"),
    path("renewal/apply", renewal.renewal_apply, name="renewal_apply"),
    path("renewal/<int:application_id>/cancel", renewal.renewal_cancel, name="renewal_cancel"),
    path("renewal/extension", renewal.extension, name="extension"),
    # 受講履歴ポイント照会 (guide 9)
    path("credits", credits.credits, name="credits"),
    path("credits/pdf", credits.credits_pdf, name="credits_pdf"),
    # キャンセル待ち: join a full session, leave, and the offered seat (the offer mail's link)
    path("seminars/sessions/<int:session_id>/waitlist", waiting_list.waitlist_join, name="waitlist_join"),
    path("seminars/waitlist/<int:entry_id>/leave", waiting_list.waitlist_leave, name="waitlist_leave"),
    path("seminars/waitlist/<int:entry_id>/offer", waiting_list.waitlist_offer, name="waitlist_offer"),
]
