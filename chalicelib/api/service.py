"""Service routes outside every dialect: a liveness probe that touches no storage (and, in the
benchmark, the ceiling the local server reaches with no work behind a route)."""
from __future__ import annotations

from chalice import Blueprint, Response

blueprint = Blueprint(__name__)


@blueprint.route("/health", methods=["GET"])
def health() -> Response:
    return Response(body='{"status": "ok"}', status_code=200,
                    headers={"Content-Type": "application/json", "Cache-Control": "no-store"})
