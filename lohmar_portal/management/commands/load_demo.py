"""`manage.py load_demo`: load Lohmar's demo data; safe to run again and again."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from lohmar_portal.cache import bump_content_version


class Command(BaseCommand):
    help = "Load (or refresh) the Lohmar demo data of every app that ships a `demo` module."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        # Each app owns its demo data; the core finds them without importing the apps above it.
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is None:
                continue
            import_module(module_name).load(
                lambda line, app=config.label: self.stdout.write(f"[{app}] {line}")
            )
        # Written outside a request: cached public pages must not show the old state.
        transaction.on_commit(bump_content_version)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
