"""Moderation in the admin: processes, comments, the flag queue and the moderation log.

Every change of state goes through `participation.services`; an action that needs input shows an
intermediate page (`admin/action_form.html`) and reports per object what failed and why. The
shared helpers live in `common.py`; `ideas.admin` uses them too.
"""

# Importing the modules registers their admins; the helpers are re-exported for `ideas.admin`.
from . import comments, flags, moderation_log, processes
from .common import (
    ON_BEHALF_CHANNELS,
    TARGET_RESOLVERS,
    ReasonForm,
    action_form,
    add_service_error,
    admin_link,
    entry_form_page,
    error_text,
    hide_selected,
    require_moderator,
    restore_selected,
    run_each,
)

__all__ = [
    "ON_BEHALF_CHANNELS",
    "TARGET_RESOLVERS",
    "ReasonForm",
    "action_form",
    "add_service_error",
    "admin_link",
    "comments",
    "entry_form_page",
    "error_text",
    "flags",
    "hide_selected",
    "moderation_log",
    "processes",
    "require_moderator",
    "restore_selected",
    "run_each",
]
