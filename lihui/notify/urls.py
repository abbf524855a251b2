from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    # a series' group robots: its chair and admins
    path("series/<int:series_id>/robots/", views.channels, name="channels"),
    path("series/<int:series_id>/robots/<int:channel_id>/edit/", views.channel_edit, name="channel_edit"),
    path("series/<int:series_id>/robots/<int:channel_id>/delete/", views.channel_delete, name="channel_delete"),
    path("series/<int:series_id>/robots/<int:channel_id>/test/", views.channel_test, name="channel_test"),
    # sent mail (the file e-mail backend): admins
    path("mail/", views.mail_list, name="mail_list"),
    path("mail/<str:name>/<int:index>/", views.mail_detail, name="mail_detail"),
    path("mail/<str:name>/<int:index>/<int:part>/", views.mail_part, name="mail_part"),
]
