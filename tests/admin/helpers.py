"""Driving admin actions in tests."""

from django.test import Client


def run_action(client: Client, url: str, action: str, objects, **data):
    """Confirm an admin action's intermediate page, as the moderator's browser would."""
    return client.post(
        url,
        {"action": action, "_selected_action": [obj.pk for obj in objects], "apply": "1", **data},
        follow=True,
    )
