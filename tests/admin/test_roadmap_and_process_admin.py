"""Roadmap progress and the set-up of processes with their phases in the admin."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ideas.models import RoadmapProject, RoadmapUpdate
from participation.models import Process

from .factories import RoadmapProjectFactory
from .helpers import run_action

pytestmark = pytest.mark.django_db

PROJECTS = "/admin/ideas/roadmapproject/"


def test_report_progress_sets_stand_and_percent_with_a_dated_note(moderator_client):
    project = RoadmapProjectFactory()
    response = run_action(
        moderator_client,
        PROJECTS,
        "report_progress",
        [project],
        progress="in_progress",
        percent="40",
        text="Die Ausschreibung läuft.",
        date="2020-03-02",
    )
    assert "Fortschritt für 1 Projekt gemeldet." in response.content.decode()
    project.refresh_from_db()
    assert (project.progress, project.percent) == ("in_progress", 40)
    update = RoadmapUpdate.objects.get()
    assert (update.project, update.date, update.text) == (
        project,
        date(2020, 3, 2),
        "Die Ausschreibung läuft.",
    )


def test_finished_projects_are_at_one_hundred_percent(moderator_client):
    project = RoadmapProjectFactory()
    run_action(
        moderator_client, PROJECTS, "report_progress", [project], progress="done", percent="70"
    )
    project.refresh_from_db()
    assert (project.progress, project.percent) == ("done", 100)
    assert not RoadmapUpdate.objects.exists()  # no text, no public note


def test_report_progress_refuses_more_than_one_hundred_percent(moderator_client):
    project = RoadmapProjectFactory()
    response = run_action(
        moderator_client, PROJECTS, "report_progress", [project], progress="planned", percent="120"
    )
    assert "Bitte korrigieren Sie die markierten Angaben." in response.content.decode()
    project.refresh_from_db()
    assert project.percent == 0


def test_editing_a_project_never_touches_its_progress(moderator_client):
    project = RoadmapProjectFactory(progress="in_progress", percent=30)
    RoadmapUpdate.objects.create(project=project, text="Start")
    update = project.updates.get()
    response = moderator_client.post(
        f"{PROJECTS}{project.pk}/change/",
        {
            "title": "Neuer Titel",
            "description": project.description,
            "pillar": project.pillar.pk,
            "department": "",
            "priority": "1",
            "is_published": "on",
            "progress": "done",
            "percent": "100",
            "updates-TOTAL_FORMS": "1",
            "updates-INITIAL_FORMS": "1",
            "updates-0-id": update.pk,
            "updates-0-project": project.pk,
            "updates-0-date": "2020-01-15",
            "updates-0-text": "Projektstart",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.priority) == ("Neuer Titel", 1)
    assert (project.progress, project.percent) == ("in_progress", 30)
    update.refresh_from_db()
    assert update.text == "Projektstart"


def test_roadmap_changelist_runs_a_constant_number_of_queries(moderator_client):
    RoadmapProjectFactory()
    moderator_client.get(PROJECTS)  # the account is read once, then kept in the cache
    with CaptureQueriesContext(connection) as one:
        moderator_client.get(PROJECTS)
    RoadmapProjectFactory.create_batch(19)
    with CaptureQueriesContext(connection) as twenty:
        response = moderator_client.get(PROJECTS)
    assert response.content.decode().count('name="_selected_action"') == 20
    assert len(one) == len(twenty)


def test_projects_are_created_from_proposals_not_from_scratch(moderator_client):
    assert moderator_client.get(f"{PROJECTS}add/").status_code == 403
    assert not RoadmapProject.objects.exists()


def test_a_process_is_set_up_with_its_phases(moderator_client):
    response = moderator_client.post(
        "/admin/participation/process/add/",
        {
            "title": "Digitalstrategie 2019",
            "slug": "digitalstrategie-2019",
            "description": "",
            "is_public": "on",
            "phases-TOTAL_FORMS": "1",
            "phases-INITIAL_FORMS": "0",
            "phases-0-name": "Ideensammlung",
            "phases-0-kind": "collection",
            "phases-0-starts_at_0": "01.09.2019",
            "phases-0-starts_at_1": "00:00:00",
            "phases-0-ends_at_0": "13.10.2019",
            "phases-0-ends_at_1": "23:59:59",
            "phases-0-allows_submit": "on",
            "phases-0-allows_rate": "on",
            "phases-0-allows_comment": "on",
        },
    )
    assert response.status_code == 302
    phase = Process.objects.get(slug="digitalstrategie-2019").phases.get()
    assert (phase.name, phase.kind) == ("Ideensammlung", "collection")
    assert (phase.allows_submit, phase.allows_rate, phase.allows_comment) == (True, True, True)
    assert (
        moderator_client.get(f"/admin/participation/process/{phase.process.pk}/change/").status_code
        == 200
    )
