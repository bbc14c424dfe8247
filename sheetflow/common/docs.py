"""The API's interactive docs: Swagger UI from our own static files, no inline script."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger


class VendoredSwagger(Swagger):
    """Swagger UI (swagger-ui-dist, vendored in static/vendor/swagger-ui) served by us."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/docs.html", {"api": api, "swagger_settings": settings})
