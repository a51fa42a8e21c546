from django.contrib.auth import views as auth_views
from django.urls import path

from . import application_views, views

app_name = "member"

# Members-area pages require login (views.members_area); the login and password-reset
# pages are the exceptions listed in PUBLIC_URL_NAMES.
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
}

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("notices", views.notices, name="notices"),
    path("profile", views.profile, name="profile"),
    path("profile/edit", views.profile_edit, name="profile_edit"),
    path("postal-code", views.postal_code_lookup, name="postal_code"),
    path("email/confirm/<str:token>", views.email_confirm, name="email_confirm"),
    path("card", views.card, name="card"),
    path("dues", views.dues, name="dues"),
    path("dues/<int:invoice_id>/pay", views.payment_start, name="payment_start"),
    path("dues/<int:invoice_id>/method", views.payment_method, name="payment_method"),
    path("dues/<int:invoice_id>/receipt", views.receipt, name="receipt"),
    path("payments/<str:order_id>", views.payment, name="payment"),
    path("payments/<str:order_id>/return", views.payment_return, name="payment_return"),
    path("applications/leave", application_views.leave_application, name="application_leave"),
    path("applications/return", application_views.return_application, name="application_return"),
    path("applications/withdrawal", application_views.withdrawal_application, name="application_withdrawal"),
    path(
        "applications/<int:application_id>/cancel",
        application_views.cancel_application,
        name="application_cancel",
    ),
    path("inquiry", views.inquiry, name="inquiry"),
    path("password", views.password_change, name="password_change"),
    path("password/reminder", views.password_reminder, name="password_reminder"),
    path("password/reset", views.password_reset, name="password_reset"),
    path("password/reset/sent", views.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<uidb64>/<token>",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("guest/register", views.guest_register, name="guest_register"),
    path("guest/registered", views.guest_registered, name="guest_registered"),
    path("password/reset/complete", views.password_reset_complete, name="password_reset_complete"),
]
