from django.urls import path

from . import views

app_name = "linkworkers"

urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("appoint/", views.appoint, name="appoint"),
    path("appointments/<uuid:pk>/end/", views.appointment_end, name="end"),
    path("training/", views.training, name="training"),
    path("measures/", views.measures, name="measures"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/<uuid:pk>/done/", views.action_done, name="action_done"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.schedule_create, name="schedule"),
    path("meetings/coming/", views.upcoming, name="upcoming"),
    path("meetings/<uuid:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<uuid:pk>/notify/", views.notify_case, name="notify"),
    path("meetings/<uuid:pk>/items/", views.item_add, name="item_add"),
    path("meetings/<uuid:pk>/items/<uuid:item_pk>/", views.item_edit, name="item_edit"),
    path("meetings/<uuid:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<uuid:pk>/actions/", views.action_add, name="action_add"),
    path("meetings/<uuid:pk>/finalise/", views.finalise, name="finalise"),
    path("meetings/<uuid:pk>/agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("meetings/<uuid:pk>/notes.pdf", views.notes_pdf, name="notes_pdf"),
    path("meetings/<uuid:pk>/invitation.ics", views.meeting_ics, name="ics"),
]
