from django.urls import path

from sheetflow.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("<int:project_id>/", views.project_home, name="home"),
    path("invitations/", views.invitation_list, name="invitations"),
    path("invitations/<int:invitation_id>/", views.invitation_detail, name="invitation"),
    path(
        "<int:project_id>/directory/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("<int:project_id>/directory/", views.directory, name="directory"),
    path(
        "<int:project_id>/directory/<int:member_id>/",
        views.member_update,
        name="member_update",
    ),
    path(
        "<int:project_id>/directory/<int:member_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
]
