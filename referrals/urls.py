from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.outbox, name="outbox"),
    path("mine/", views.my_referrals, name="mine"),
    path("people/<uuid:service_user_pk>/new/", views.referral_create, name="create"),
    path("<uuid:pk>/", views.referral_detail, name="detail"),
    path("<uuid:pk>/edit/", views.referral_edit, name="edit"),
    path("<uuid:pk>/delete/", views.referral_delete, name="delete"),
    path("<uuid:pk>/send/", views.referral_send, name="send"),
    path("<uuid:pk>/acknowledge/", views.referral_acknowledge, name="acknowledge"),
    path("<uuid:pk>/accept/", views.referral_accept, name="accept"),
    path("<uuid:pk>/decline/", views.referral_decline, name="decline"),
    path("<uuid:pk>/withdraw/", views.referral_withdraw, name="withdraw"),
    path("<uuid:pk>/close/", views.referral_close, name="close"),
    path("<uuid:pk>/handover/", views.handover_record, name="handover"),
    path("<uuid:pk>/note.pdf", views.referral_note_pdf, name="note_pdf"),
]
