from django.urls import path

from . import language, views

urlpatterns = [
    path("language/", language.language, name="language"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("sign-in-link/", views.sign_in_link_request, name="sign_in_link"),
    path("sign-in-link/<str:token>/", views.sign_in_link_open, name="sign_in_link_open"),
    path("nhs-login/", views.nhs_login_start, name="nhs_login"),
    path("nhs-login/callback/", views.nhs_login_callback, name="nhs_login_callback"),
    path("invitation/<uuid:invitation_pk>/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
