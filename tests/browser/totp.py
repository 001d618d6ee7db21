"""Logging in in browser tests, and the second factor: a TOTP code that is still valid when the
server checks it."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from playwright.sync_api import expect

from tests.factories import PASSWORD


def with_totp(user) -> str:
    """Set up TOTP as the user's second factor; returns the secret for `enter_code`."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str) -> str:
    """The code of the current period. The server takes only that one: never hand out a code
    about to run out (that made staff logins fail about once in ten runs)."""
    if time.time() % app_settings.TOTP_PERIOD > app_settings.TOTP_PERIOD - 5:
        time.sleep(6)
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def enter_code(page, secret: str) -> None:
    """On allauth's "Code" step after the password: enter the code and wait until it is taken."""
    page.get_by_label("Code").fill(current_code(secret))
    page.locator("button[type=submit]:not([form])").first.click()
    expect(page.get_by_label("Code")).to_have_count(0)


def log_in(page, email: str, secret: str | None = None) -> None:
    """The login form with the factories' password; with a TOTP secret, the code step too."""
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    if secret:
        enter_code(page, secret)
