from django.conf import settings


def portal(request):
    """What every page's frame needs: the city's name and its contact address."""
    return {
        "portal_city_name": settings.PORTAL_CITY_NAME,
        "portal_contact_address": settings.PORTAL_CONTACT_ADDRESS,
    }


def content_version(request):
    """The site's content version, for fragment caches keyed like the page cache (lazy)."""
    from django.utils.functional import SimpleLazyObject

    from .cache import content_version as current

    return {"content_version": SimpleLazyObject(current)}
