"""The service center's FAQ and figures with the demo data in a real browser: a visitor goes from
the life situations to an answer and searches; every page is free of axe findings."""

import pytest

from lohmar_portal import demo as core_demo
from servicecenter import demo
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data():
    core_demo.load(lambda line: None)
    demo.load(lambda line: None)


def test_visitor_finds_an_answer_by_life_situation_and_by_search(page, demo_data):
    page.goto("/service/")
    assert page.get_by_role("heading", level=1).inner_text() == "Service Center der Stadt Lohmar"
    assert page.get_by_text("schnell und abschließend bearbeitet").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ausweis & Pass").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ausweis & Pass"
    assert page.get_by_text("Bürgerservice und Ordnung").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Personalausweis beantragen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Personalausweis beantragen"
    assert page.get_by_text("Gebühr: laut Gebührenordnung").is_visible()
    # Internal notes never reach the public page.
    assert "Expressverfahren möglich" not in page.content()
    related = page.get_by_role("region", name="Das könnte Sie auch interessieren")
    assert related.get_by_role("link", name="Reisepass beantragen").is_visible()
    assert_accessible(page)

    page.goto("/service/")
    search = page.get_by_role("search", name="Fragen und Antworten durchsuchen")
    search.get_by_label("Suchbegriff").fill("Sperrmüll")
    search.get_by_role("button", name="Suchen").click()
    assert page.get_by_role("heading", name="1 Treffer für „Sperrmüll“").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Sperrmüll anmelden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sperrmüll anmelden"


def test_search_without_results_and_with_a_too_long_query(page, demo_data):
    page.goto("/service/suche/?q=Raumschiff")
    assert page.get_by_role("heading", name="0 Treffer für „Raumschiff“").is_visible()
    assert_accessible(page)
    page.goto("/service/suche/?q=" + "x" * 201)
    alert = page.get_by_role("alert")
    assert "höchstens 200 Zeichen" in alert.inner_text()
    alert.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_q"
    assert_accessible(page)


def test_figures_page_with_tables_and_period_form(page, demo_data):
    page.goto("/service/kennzahlen/")
    assert page.get_by_role("heading", level=1).inner_text() == "Kennzahlen des Service Centers"
    table = page.get_by_role("table", name="Anliegen nach Eingangsweg")
    assert table.get_by_role("rowheader", name="Mobiles Bürgerbüro").is_visible()
    assert page.get_by_text("Kalenderzeit").first.is_visible()
    assert_accessible(page)
    page.get_by_label("Zeitraum", exact=True).select_option("365")
    page.get_by_role("button", name="Anzeigen").click()
    assert "tage=365" in page.url
    assert page.get_by_role("heading", name="Die letzten 365 Tage").is_visible()
    assert_accessible(page)
