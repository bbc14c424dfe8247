from django.urls import path

from sheetflow.connections import views

urlpatterns = [path("", views.company_settings, name="company_settings")]
