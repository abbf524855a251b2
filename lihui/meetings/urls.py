from django.urls import path

from . import views
from .views import agenda, feeds, live

app_name = "meetings"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("load/", views.load, name="load"),
    # calendar feeds: the token in the URL is the credential
    path("calendar/<str:token>.ics", feeds.feed, name="feed"),
    path("me/calendar/regenerate/", feeds.feed_regenerate, name="feed_regenerate"),
    path("series/<int:series_pk>/calendar/regenerate/", feeds.series_feed_regenerate, name="series_feed_regenerate"),
    path("series/<int:series_pk>/meetings/new/", views.meeting_add, name="meeting_add"),
    # one meeting: prepare
    path("meetings/<int:pk>/", agenda.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/move/", views.meeting_move, name="meeting_move"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/purpose/", agenda.purpose_set, name="purpose_set"),
    path("meetings/<int:pk>/agenda/add/", agenda.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/agenda/<int:item_id>/move/", agenda.agenda_move, name="agenda_move"),
    path("meetings/<int:pk>/agenda/<int:item_id>/retime/", agenda.agenda_retime, name="agenda_retime"),
    path("meetings/<int:pk>/agenda/<int:item_id>/remove/", agenda.agenda_remove, name="agenda_remove"),
    path("meetings/<int:pk>/agenda/publish/", agenda.agenda_publish, name="agenda_publish"),
    path("meetings/<int:pk>/agenda/print/", agenda.agenda_print, name="agenda_print"),
    path("meetings/<int:pk>/agenda.docx", agenda.agenda_docx, name="agenda_docx"),
    path("items/<int:item_id>/", agenda.item_edit, name="item_edit"),
    path("items/<int:item_id>/materials/", agenda.material_upload, name="material_upload"),
    path("items/<int:item_id>/guests/", agenda.guest_invite, name="guest_invite"),
    path("items/<int:item_id>/notes/", live.notes, name="notes"),
    path("materials/<int:material_id>/", agenda.material_download, name="material_download"),
    path("materials/<int:material_id>/delete/", agenda.material_delete, name="material_delete"),
    path("guests/<int:guest_id>/remove/", agenda.guest_remove, name="guest_remove"),
    # one meeting: run
    path("meetings/<int:pk>/live/", live.live, name="live"),
    path("meetings/<int:pk>/live/state/", live.state, name="state"),
    path("meetings/<int:pk>/live/start/", live.start, name="start"),
    path("meetings/<int:pk>/live/go/", live.go, name="go"),
    path("meetings/<int:pk>/live/end/", live.end, name="end"),
    path("meetings/<int:pk>/live/resume/", live.resume, name="resume"),
    path("meetings/<int:pk>/live/attendance/", live.attendance, name="attendance"),
    path("meetings/<int:pk>/projector/", live.projector, name="projector"),
    path("meetings/<int:pk>/recap/", live.recap, name="recap"),
]
