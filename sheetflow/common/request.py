"""Small request helpers."""

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy set REMOTE_ADDR properly (gunicorn --forwarded-allow-ips); we do not
    # trust X-Forwarded-For here, so a client cannot pick its own rate-limit bucket.
    return str(request.META.get("REMOTE_ADDR") or "unknown")
