"""How allauth fits the portal: e-mails go out through Celery, after the commit."""

from functools import partial

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from . import tasks


class AccountAdapter(DefaultAccountAdapter):
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
        transaction.on_commit(
            partial(
                tasks.send_email.delay,
                subject=message.subject,
                body=message.body,
                to=list(message.to),
                html=html,
                from_email=message.from_email,
            )
        )
