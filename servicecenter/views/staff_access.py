"""Who may open the staff pages of the service center: what the admin demands, and a queue.

- nobody logged in: to the login, and back afterwards;
- logged in, but no queue (a citizen, staff of no department without the first-level
  permission, an inactive account): "not found" — the pages are not advertised;
- staff with a queue but without two-factor authentication: to its set-up, with a message
  (the same rule as lohmar_portal/admin_site.py).

Other modules import it: `from .staff_access import staff_required`.
"""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from lohmar_portal.cache import content_version

from ..permissions import is_agent, is_department_staff

# How long the answer to "may this person open the staff pages" is reused at most. Any write
# through the portal (a permission changed in the admin, two factors switched off) makes it
# stale at once; writes themselves always check permission afresh in the services.
ACCESS_TIMEOUT = 60


def staff_access(user) -> tuple[bool, bool, bool]:
    """(has a queue, is a first-level agent, has two factors) of a logged-in user.

    Three to four queries on every staff page otherwise; kept per content version."""
    key = (
        f"servicecenter:staff-access:{content_version()}:{user.pk}:{user.department_id}:"
        f"{user.is_active:d}{user.is_staff:d}{user.is_superuser:d}"
    )
    access = cache.get(key)
    if access is None:
        agent = is_agent(user)
        queue = agent or is_department_staff(user)
        access = (queue, agent, queue and is_mfa_enabled(user))
        cache.set(key, access, ACCESS_TIMEOUT)
    return access


def staff_access_denied(request: HttpRequest) -> HttpResponse | None:
    """The response that keeps `request.user` out of the staff pages, or None to let them in."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    has_queue, agent, two_factors = staff_access(user)
    if not (user.is_active and user.is_staff and has_queue):
        raise Http404
    if not two_factors:
        messages.warning(
            request,
            _(
                "Für die Arbeitsplätze des Service Centers ist die Zwei-Faktor-Authentifizierung "
                "vorgeschrieben. Bitte richten Sie sie jetzt ein."
            ),
        )
        return redirect("mfa_activate_totp")
    request.servicecenter_agent = agent
    return None


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff with a queue and two factors only; their pages are never cached."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        denied = staff_access_denied(request)
        if denied is not None:
            return denied
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper
