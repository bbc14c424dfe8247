from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from sheetflow.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="projects:list", permanent=False)),
    path("accounts/", include("sheetflow.accounts.urls")),
    path("projects/", include("sheetflow.projects.urls")),
    path("projects/<int:project_id>/drawings/", include("sheetflow.drawings.urls")),
    path("projects/<int:project_id>/connections/", include("sheetflow.connections.urls")),
    path("projects/<int:project_id>/webhooks/", include("sheetflow.webhooks.urls")),
    path("notifications/", include("sheetflow.notifications.urls")),
    path("company/settings/", include("sheetflow.connections.company_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Django's own refusals (no route, the admin) answer like the project's (common.errors).
handler400 = "sheetflow.common.error_responses.bad_request"
handler403 = "sheetflow.common.error_responses.permission_denied"
handler404 = "sheetflow.common.error_responses.page_not_found"
