"""The Chalice application object shared by every dialect."""
from __future__ import annotations

from chalice import Chalice

# >>> request-log
from . import request_log
# <<< request-log

# Content types served byte for byte (base64 through API Gateway). JSON is deliberately absent:
# Chalice requires a matching Accept header for binary responses, and JSON clients need not send one.
# Attachments of any other type are served as application/octet-stream.
BINARY_TYPES = sorted(set(Chalice("defaults").api.binary_types) | {
    "application/pdf", "application/zip", "application/gzip", "application/x-gzip", "application/xml",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/rtf", "application/x-7z-compressed", "application/x-rar-compressed",
    "application/pgp-signature", "application/pkcs7-signature", "message/rfc822",
    "text/plain", "text/csv", "text/html", "text/calendar", "text/xml", "text/markdown",
    "image/webp", "image/svg+xml", "image/bmp", "image/tiff", "image/x-icon", "image/vnd.microsoft.icon",
})


def binary_type(content_type: str) -> str:
    """The content type to serve stored bytes under: the stored one if the gateway passes it through."""
    base = content_type.split(";", 1)[0].strip().lower()
    return base if base in BINARY_TYPES else "application/octet-stream"


def create_app(app_name: str) -> Chalice:
    app = Chalice(app_name=app_name)
    app.api.binary_types = list(BINARY_TYPES)
    # >>> request-log: one record per request and the X-Correlation-Id answer header, for every blueprint
    request_log.install(app)
    # <<< request-log
    return app
