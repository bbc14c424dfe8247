from django.urls import path

from sheetflow.drawings import (
    views,
    views_export,
    views_manage,
    views_queue,
    views_upload,
    views_viewer,
)

app_name = "drawings"
urlpatterns = [
    path("", views.drawing_log, name="log"),
    path("upload/", views_upload.upload, name="upload"),
    path("upload/<uuid:upload_uuid>/", views_upload.review, name="review"),
    path(
        "upload/<uuid:upload_uuid>/sheets/<int:index>/",
        views_upload.review_sheet,
        name="review_sheet",
    ),
    path(
        "upload/<uuid:upload_uuid>/sheets/<int:index>/<str:kind>.png",
        views_upload.review_image,
        name="review_image",
    ),
    path("upload/layout/", views_upload.layout, name="layout"),
    path("publish/", views.publish, name="publish"),
    path("manage/", views_manage.manage, name="manage"),
    path("export.csv", views_export.log_csv, name="export_csv"),
    path("current-set.zip", views_export.current_set_zip, name="export_zip"),
    path("review-queue/", views_queue.queue, name="queue"),
    path("review-queue/publish/", views_queue.queue_publish, name="queue_publish"),
    path("<int:drawing_id>/", views.drawing_detail, name="drawing"),
    path("<int:drawing_id>/delete/", views.drawing_delete, name="drawing_delete"),
    path("<int:drawing_id>/compare/", views_viewer.compare, name="compare"),
    path(
        "<int:drawing_id>/compare/<str:kind>.png",
        views_viewer.compare_image,
        name="compare_image",
    ),
    path("revisions/<int:revision_id>/view/", views_viewer.viewer, name="viewer"),
    path("revisions/<int:revision_id>/", views.revision_detail, name="revision"),
    path("revisions/<int:revision_id>/delete/", views.revision_delete, name="revision_delete"),
    path(
        "revisions/<int:revision_id>/<str:kind>/",
        views.revision_download,
        name="revision_file",
    ),
]
