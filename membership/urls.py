from django.urls import path

from .views import accounts, applications, autopay, card, dues, guests, home, invoice_documents, profile

app_name = "member"

# Members-area pages require login (membership.shell.members_area); the login and
# password-reset pages are the exceptions listed in PUBLIC_URL_NAMES.
PUBLIC_URL_NAMES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_sent",
    "password_reset_confirm",
    "password_reset_complete",
    "email_confirm",
    "payment_return",
    "guest_register",
    "guest_registered",
    "autopay_return",
}

urlpatterns = [
    path("", home.dashboard, name="dashboard"),
    path("login", accounts.LoginView.as_view(), name="login"),
    path("logout", accounts.LogoutView.as_view(), name="logout"),
    path("notices", home.notices, name="notices"),
    path("profile", profile.profile, name="profile"),
    path("profile/edit", profile.profile_edit, name="profile_edit"),
    path("postal-code", profile.postal_code_lookup, name="postal_code"),
    path("email/confirm/<str:token>", profile.email_confirm, name="email_confirm"),
    path("card", card.card, name="card"),
    path("dues", dues.dues, name="dues"),
    path("dues/<int:invoice_id>/pay", dues.payment_start, name="payment_start"),
    path("dues/<int:invoice_id>/method", dues.payment_method, name="payment_method"),
    path("dues/<int:invoice_id>/receipt", dues.receipt, name="receipt"),
    path("dues/<int:invoice_id>/seikyusho", invoice_documents.invoice_document, name="invoice_document"),
    path("dues/<int:invoice_id>/seikyusho.pdf", invoice_documents.invoice_document_pdf, name="invoice_document_pdf"),
    path("payments/<str:order_id>", dues.payment, name="payment"),
    path("payments/<str:order_id>/return", dues.payment_return, name="payment_return"),
    path("payments/<str:order_id>/checkout", dues.payment_checkout, name="payment_checkout"),
    path("applications/leave", applications.leave_application, name="application_leave"),
    path("applications/return", applications.return_application, name="application_return"),
    path("applications/withdrawal", applications.withdrawal_application, name="application_withdrawal"),
    path(
        "applications/<int:application_id>/cancel",
        applications.cancel_application,
        name="application_cancel",
    ),
    path("inquiry", home.inquiry, name="inquiry"),
    path("password", accounts.password_change, name="password_change"),
    path("password/reminder", accounts.password_reminder, name="password_reminder"),
    path("password/reset", accounts.password_reset, name="password_reset"),
    path("password/reset/sent", accounts.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<uidb64>/<token>",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("guest/register", guests.guest_register, name="guest_register"),
    path("guest/registered", guests.guest_registered, name="guest_registered"),
    path("password/reset/complete", accounts.password_reset_complete, name="password_reset_complete"),
    path("dues/autopay/card", autopay.autopay_card, name="autopay_card"),
    path("dues/autopay/return", autopay.autopay_return, name="autopay_return"),
    path("dues/autopay/confirm", autopay.autopay_confirm, name="autopay_confirm"),
    path("dues/autopay/stop", autopay.autopay_stop, name="autopay_stop"),
]
