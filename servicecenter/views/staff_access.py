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
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from ..permissions import can_work_tickets


def staff_access_denied(request: HttpRequest) -> HttpResponse | None:
    """The response that keeps `request.user` out of the staff pages, or None to let them in."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (user.is_active and user.is_staff and can_work_tickets(user)):
        raise Http404
    if not is_mfa_enabled(user):
        messages.warning(
            request,
            _(
                "Für die Arbeitsplätze des Service Centers ist die Zwei-Faktor-Authentifizierung "
                "vorgeschrieben. Bitte richten Sie sie jetzt ein."
            ),
        )
        return redirect("mfa_activate_totp")
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
