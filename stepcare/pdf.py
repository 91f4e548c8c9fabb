"""PDF documents (letters) drawn by WeasyPrint from the same HTML templates as the screen.

Stylesheets and images are read from Stepcare's own static files; nothing is fetched over the
network while a PDF is made.
"""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

BASE_URL = "https://stepcare.invalid/"


class ExternalResourceRefused(ValueError):
    pass


def _static_file(url: str) -> tuple[bytes, str]:
    """The bytes and media type of /static/… from disk; anything else is refused."""
    path = urlparse(url).path
    if not path.startswith(settings.STATIC_URL):
        raise ExternalResourceRefused(f"A letter may only use Stepcare's own files, not {url}")
    found = finders.find(path.removeprefix(settings.STATIC_URL))
    if not found or isinstance(found, list):
        raise ExternalResourceRefused(f"No static file at {path}")
    media_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
    with open(found, "rb") as handle:
        return handle.read(), media_type


def render_pdf(template: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    # Imported here: WeasyPrint loads Pango, which only PDF pages need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            body, media_type = _static_file(url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})

    html = render_to_string(template, {**context, "as_pdf": True}, request=request)
    pdf: bytes = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf()
    return pdf


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
