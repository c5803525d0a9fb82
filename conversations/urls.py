from django.urls import path

from . import views

app_name = "conversations"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("people/<uuid:service_user_pk>/", views.for_person, name="for_person"),
    path("people/<uuid:service_user_pk>/new/", views.start, name="start"),
    path("mine/", views.mine, name="mine"),
    path("mine/new/", views.mine_new, name="mine_new"),
    path("mine/<uuid:pk>/", views.mine_detail, name="mine_detail"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/reply/", views.reply, name="reply"),
    path("<uuid:pk>/resolve/", views.resolve, name="resolve"),
    path("<uuid:pk>/include-person/", views.include_person, name="include_person"),
    path("<uuid:pk>/messages/<uuid:message_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:pk>/messages/<uuid:message_pk>/plan-action/", views.plan_action, name="plan_action"),
    path("<uuid:pk>/messages/<uuid:message_pk>/link-meeting/", views.link_meeting, name="link_meeting"),
]
