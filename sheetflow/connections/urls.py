from django.urls import path

from sheetflow.connections import views, views_distribution

app_name = "connections"
urlpatterns = [
    path("", views.index, name="index"),
    path("connect/", views.connect, name="connect"),
    path("settings/", views.list_settings, name="settings"),
    path("<int:connection_id>/", views.detail, name="detail"),
    path("<int:connection_id>/result/", views.result, name="result"),
    path("<int:connection_id>/sync/", views.sync_box, name="sync"),
    path("<int:connection_id>/approve/", views.approve, name="approve"),
    path("<int:connection_id>/reject/", views.reject, name="reject"),
    path("<int:connection_id>/cancel/", views.cancel, name="cancel"),
    path("<int:connection_id>/undo/", views.undo, name="undo"),
    path("<int:connection_id>/disconnect/", views.disconnect, name="disconnect"),
    path("distribution/", views_distribution.overview, name="distribution"),
    path("distribution/matrix/", views_distribution.matrix, name="distribution_matrix"),
    path("distribution/matrix.csv", views_distribution.matrix_csv, name="distribution_csv"),
    path(
        "distribution/revisions/<int:revision_id>/",
        views_distribution.revision,
        name="distribution_revision",
    ),
    path(
        "distribution/downstreams/<int:connection_id>/",
        views_distribution.downstream,
        name="distribution_downstream",
    ),
]
