"""Seed 000's OTRS blueprints (`/api/customer`, `/api/frontend/external`, `/api/public`), as app.py mounts it: every view module registered.

Each view module registers its views on routes.py's blueprint when imported. Importing them here, not
at the bottom of routes.py, keeps any one view module importable on its own without a circular import.
"""
from .routes import blueprint, frontend_blueprint, public_blueprint  # noqa: F401
# >>> otrs-views
from . import account_views  # noqa: F401
from . import upload_views  # noqa: F401
from . import notification_views  # noqa: F401  (otrs-notifications)
from . import ticket_views  # noqa: F401  (otrs-tickets)
from . import article_views  # noqa: F401  (otrs-articles)
from . import process_views  # noqa: F401  (otrs-process)
from . import kb_views  # noqa: F401  (kb)
from . import frontend_views  # noqa: F401  (otrs-frontend)
from . import form_views  # noqa: F401  (forms)
from . import docsearch_views  # noqa: F401  (docsearch)
from . import feed_views  # noqa: F401  (docsearch)
from . import chat_views  # noqa: F401  (chat)
# <<< otrs-views
