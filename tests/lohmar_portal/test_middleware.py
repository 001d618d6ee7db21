"""Write requests are all-or-nothing; reads cost no transaction round trips."""

import pytest
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from lohmar_portal.middleware import AtomicWritesMiddleware
from lohmar_portal.models import District
from lohmar_portal.tasks import send_email

pytestmark = pytest.mark.django_db(transaction=True)


def writing_view(status: int):
    def view(request):
        District.objects.create(name="Neu", slug="neu")
        from django.db import transaction

        transaction.on_commit(lambda: send_email.delay(subject="s", body="b", to=["a@b.de"]))
        return HttpResponse(status=status)

    return view


def test_a_failed_write_request_leaves_nothing_behind_and_sends_nothing():
    middleware = AtomicWritesMiddleware(writing_view(500))
    middleware(RequestFactory().post("/"))
    assert not District.objects.filter(slug="neu").exists()
    assert mail.outbox == []


def test_a_successful_write_request_commits_and_then_sends():
    middleware = AtomicWritesMiddleware(writing_view(302))
    middleware(RequestFactory().post("/"))
    assert District.objects.filter(slug="neu").exists()
    assert len(mail.outbox) == 1


def test_reads_run_without_begin_and_commit(client):
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not any(q["sql"].upper() in {"BEGIN", "COMMIT"} for q in queries)
