"""How allauth fits the portal: e-mails go out through Celery, after the commit; state logins."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.utils.translation import gettext as _

from . import tasks

# allauth's code for a login (password or second factor) refused while an account is locked
# after failed attempts (ACCOUNT_RATE_LIMITS "login_failed").
LOGIN_LOCKED = "too_many_login_attempts"


class AccountAdapter(DefaultAccountAdapter):
    def validation_error(self, code, *args):
        # allauth shows the lock as a form error with 200; the request is marked so that
        # `middleware.failed_login_lock` answers 429 with Retry-After, as every other limit.
        if code == LOGIN_LOCKED and context.request is not None:
            context.request.login_locked = True
        return super().validation_error(code, *args)

    def save_user(self, request, user, form, commit=True):
        # Set before the first save: the display name is unique and must never be empty.
        user.display_name = form.cleaned_data["display_name"]
        user.district = form.cleaned_data.get("district")
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now (in the request's language), send from a worker once the data is committed."""
        request = context.get("request") or self.request
        message = self.render_mail(
            template_prefix, email, {"request": request, "email": email, **context}
        )
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            None,
        )
        tasks.enqueue(
            tasks.send_email,
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            html=html,
            from_email=message.from_email,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Logins through the state account (BundID): a public name for new accounts, no secrets."""

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if not user.display_name:
            # Never the person's name from the state account: public names are pseudonyms,
            # which the person can change in the account.
            user.display_name = _free_display_name(
                f"{_('Bürgerin oder Bürger')} {secrets.randbelow(9000) + 1000}"
            )
        return user

    def save_user(self, request, sociallogin, form=None):
        if form is not None:  # the sign-up form, when the automatic sign-up could not finish
            sociallogin.user.display_name = form.cleaned_data["display_name"]
            sociallogin.user.district = form.cleaned_data.get("district")
        return super().save_user(request, sociallogin, form=form)


def _free_display_name(wanted: str) -> str:
    """The wanted public name, or with a number added until no one else has it."""
    from .models import User

    base = wanted.strip()[:44] or "Bürger"
    name, number = base, 1
    while User.objects.filter(display_name__iexact=name).exists():
        number += 1
        name = f"{base} {number}"
    return name
