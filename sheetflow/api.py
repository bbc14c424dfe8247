"""The API instance: its authentication and every app's router."""

from __future__ import annotations

from ninja.security.session import SessionAuth

from sheetflow.accounts.api import router as accounts_router
from sheetflow.accounts.api_auth import BearerToken
from sheetflow.common.api import SheetflowApi
from sheetflow.common.docs import VendoredSwagger
from sheetflow.common.inputs import CheckedParser
from sheetflow.connections.api import router as connections_router
from sheetflow.connections.api_distribution import router as distribution_router
from sheetflow.drawings.api import router as drawings_router
from sheetflow.drawings.api_compare import router as compare_router
from sheetflow.notifications.api import router as notifications_router
from sheetflow.projects.api import router as projects_router
from sheetflow.webhooks.api import router as webhooks_router

api = SheetflowApi(
    title="Sheetflow API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    docs=VendoredSwagger(),
    parser=CheckedParser(),
    auth=[BearerToken(), SessionAuth()],
    description=(
        "Share construction drawing sheets between projects. Authenticate with "
        "`Authorization: Bearer <token>` (create one at POST /api/v1/tokens) or, "
        "from the site's own pages, the session cookie with a CSRF token."
    ),
)

api.add_router("", accounts_router)
api.add_router("", projects_router)
api.add_router("", drawings_router)
api.add_router("", compare_router)
api.add_router("", connections_router)
api.add_router("", distribution_router)
api.add_router("", notifications_router)
api.add_router("", webhooks_router)
