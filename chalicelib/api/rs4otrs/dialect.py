"""The RS4OTRS agent RPC (`/otrs/api`), as app.py mounts it: every view module registered.

Each view module registers its views on routes.py's blueprint when imported. Importing them here, not
at the bottom of routes.py, keeps any one view module importable on its own without a circular import.
"""
from .routes import METHODS, blueprint  # noqa: F401
# >>> rs4otrs-methods
from . import auth_methods  # noqa: F401
from . import catalog_methods  # noqa: F401
from . import directory_methods  # noqa: F401
from . import ticket_methods  # noqa: F401
# <<< rs4otrs-methods
