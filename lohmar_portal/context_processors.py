from django.conf import settings


def portal(request):
    """What every page's frame needs: the city's name and its contact address."""
    return {
        "portal_city_name": settings.PORTAL_CITY_NAME,
        "portal_contact_address": settings.PORTAL_CONTACT_ADDRESS,
    }
