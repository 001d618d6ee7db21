"""The Mängelmelder in the admin: categories, the department's reports, Open311 clients.

Reports change only through `defects.services` (work pages and list actions); department staff
see only their department's reports (`defects.permissions.reports_for_staff`).
"""

# Importing the modules registers their admins.
from . import api_clients, categories, reports

__all__ = ["api_clients", "categories", "reports"]
