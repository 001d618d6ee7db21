"""The state-account login is configured by environment variables only, and off without them."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from lohmar_portal.settings import bundid_providers

pytestmark = pytest.mark.django_db


def test_without_the_variables_there_is_no_provider(settings):
    assert bundid_providers("", "id", "secret", ["openid"], "BundID") == {}
    assert bundid_providers("https://id.example", "id", "", ["openid"], "BundID") == {}


def test_the_variables_give_an_openid_connect_app_with_pkce():
    config = bundid_providers(
        "https://id.bund.example/realms/x", "lohmar", "geheim", ["openid", "email"], "BundID"
    )["openid_connect"]
    assert config["OAUTH_PKCE_ENABLED"] is True
    [app] = config["APPS"]
    assert (app["provider_id"], app["client_id"], app["secret"]) == ("bundid", "lohmar", "geheim")
    assert app["settings"]["server_url"] == "https://id.bund.example/realms/x"
    assert app["settings"]["scope"] == ["openid", "email"]


def test_when_off_the_login_url_is_not_found_and_no_button_is_shown(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert client.get("/accounts/oidc/bundid/login/").status_code == 404
    request = RequestFactory().get("/accounts/login/")
    assert render_to_string("socialaccount/snippets/login.html", request=request).strip() == ""


def test_when_on_the_snippet_offers_the_button(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = bundid_providers(
        "http://127.0.0.1:9/o", "lohmar", "geheim", ["openid"], "BundID"
    )
    request = RequestFactory().get("/accounts/login/")
    html = render_to_string("socialaccount/snippets/login.html", request=request)
    assert "Anmelden mit BundID" in html
    assert 'action="/accounts/oidc/bundid/login/' in html
