"""Who may start exports and fetch their files: staff with the model permissions."""

from lohmar_portal.models import User


def _staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_request_export(user: User) -> bool:
    return _staff(user) and user.has_perm("ideas.add_dossierexport")


def can_download_export(user: User) -> bool:
    return _staff(user) and user.has_perm("ideas.view_dossierexport")
