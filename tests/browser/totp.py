"""The second factor in browser tests: a TOTP code that is still valid when the server checks it."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect


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
