"""The strategy, proposals and the roadmap in the admin.

Moderators correct a proposal's wording directly; everything else (status, answer, visibility,
merging, roadmap projects, progress) goes through `ideas.services` and `participation.services`
as admin actions, so the admin behaves exactly like the rest of the portal.
"""

# Importing the modules registers their admins.
from . import exports  # noqa: F401, I001  (dossier exports; adds an action to ProposalAdmin)
from . import proposals, roadmap, strategy

__all__ = ["proposals", "roadmap", "strategy"]
