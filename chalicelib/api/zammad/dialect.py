"""The Zammad dialect (`/api/v1`), as app.py mounts it: every view module registered.

Each view module registers its views on routes.py's blueprint when imported. Importing them here, not
at the bottom of routes.py, keeps any one view module importable on its own without a circular import.
"""
from .routes import blueprint  # noqa: F401
# >>> catalog: states, priorities, groups, roles
from . import catalog_views  # noqa: F401
# <<< catalog
# >>> directory: users and organizations
from . import directory_views  # noqa: F401
# <<< directory
# >>> ticket-links: tags, links, merge, history
from . import ticket_links_views  # noqa: F401
# <<< ticket-links
# >>> notifications: online notifications
from . import notifications_views  # noqa: F401
# <<< notifications
# >>> object-attributes: custom ticket fields (object_manager_attributes)
from . import object_attributes_views  # noqa: F401
# <<< object-attributes
# >>> sla-admin: calendars and SLAs
from . import sla_views  # noqa: F401
# <<< sla-admin
# >>> kb: knowledge base management
from . import knowledge_base_views  # noqa: F401
# <<< kb
# >>> chat: the agent side of the OTRS chat (waiting chats, accept, reply, close)
from . import chat_views  # noqa: F401
# <<< chat
# >>> docsearch: package management (the source of OTRS's public package repository)
from . import package_views  # noqa: F401
# <<< docsearch
