from django.urls import path

from sheetflow.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:endpoint_id>/", views.detail, name="detail"),
    path("<int:endpoint_id>/rotate/", views.rotate, name="rotate"),
    path("<int:endpoint_id>/test/", views.send_test, name="test"),
    path("<int:endpoint_id>/delete/", views.delete, name="delete"),
    path("<int:endpoint_id>/deliveries/<int:delivery_id>/", views.delivery, name="delivery"),
]
