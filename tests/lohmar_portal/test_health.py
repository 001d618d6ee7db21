import pytest

pytestmark = pytest.mark.django_db


def test_healthy_database_answers_200(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["services"]["database"]["ok"] is True
    assert "broker" not in body["services"]
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_broker_answers_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["services"]["broker"] == {"ok": False, "error": "ConnectionError"}
    assert body["services"]["database"]["ok"] is True


@pytest.mark.redis
def test_reachable_broker_is_reported(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["services"]["broker"]["ok"] is True
