from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from sheetflow.accounts.api import router as accounts_router
from sheetflow.common.api import api
from sheetflow.connections.api import router as connections_router
from sheetflow.connections.api_distribution import router as distribution_router
from sheetflow.drawings.api import router as drawings_router
from sheetflow.drawings.api_compare import router as compare_router
from sheetflow.notifications.api import router as notifications_router
from sheetflow.projects.api import router as projects_router
from sheetflow.webhooks.api import router as webhooks_router

api.add_router("", accounts_router)
api.add_router("", projects_router)
api.add_router("", drawings_router)
api.add_router("", compare_router)
api.add_router("", connections_router)
api.add_router("", distribution_router)
api.add_router("", notifications_router)
api.add_router("", webhooks_router)

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
