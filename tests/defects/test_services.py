"""The Mängelmelder's services for reporting: file, confirm, expire, nearby, support, photos."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from defects import services
from defects.models import DefectReport, Photo, StatusUpdate, Support
from lohmar_portal.storage import private_storage
from participation.models import Channel
from tests.defects.conftest import (
    IN_LOHMAR,
    IN_THE_SEA,
    make_all_departments_staff,
    make_category,
    make_department_staff,
    make_report,
)
from tests.defects.photos import ROTATE_90_CLOCKWISE, exif_of, gps_jpeg, has_gps, pdf_named_jpg
from tests.factories import DistrictFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = DefectReport.Status
METRE_IN_LATITUDE = 1 / 111_320


def north_of(point, metres):
    return point[0] + metres * METRE_IN_LATITUDE, point[1]


def stored(prefix: str = "defects") -> set[str]:
    """Every file the storage holds under `prefix` (the tests use the in-memory storage)."""
    found = set()
    directories, files = (
        private_storage().listdir(prefix) if private_storage().exists(prefix) else ([], [])
    )
    found.update(f"{prefix}/{name}" for name in files)
    for directory in directories:
        found |= stored(f"{prefix}/{directory}")
    return found


def link_token(body: str, kind: str = "bestaetigen") -> str:
    match = re.search(rf"/maengel/{kind}/([^/\s]+)/", body)
    assert match, body
    return match.group(1)


def submit(**overrides) -> DefectReport:
    fields = {
        "actor": None,
        "category": overrides.pop("category", None) or make_category(),
        "description": "Tiefes Schlagloch vor der Bushaltestelle.",
        "latitude": IN_LOHMAR[0],
        "longitude": IN_LOHMAR[1],
        "email": "anna@example.org",
    }
    fields.update(overrides)
    return services.submit_report(**fields)


# --- Filing -------------------------------------------------------------------------------------


def test_a_report_with_an_account_is_public_at_once(citizen, category, mailoutbox):
    report = submit(actor=citizen, category=category, email="ignored@example.org")

    report.refresh_from_db()
    assert report.status == Status.CONFIRMED
    assert report.confirmed_at is not None
    assert report.reporter == citizen
    assert report.reporter_email == ""  # the account's address is used, never copied
    assert report.department == category.department
    assert re.fullmatch(rf"MM-{timezone.localdate().year}-\d{{5}}", report.reference)
    assert DefectReport.objects.public().filter(pk=report.pk).exists()
    assert list(report.updates.values_list("from_status", "to_status")) == [
        ("", Status.SUBMITTED),
        (Status.SUBMITTED, Status.CONFIRMED),
    ]
    assert mailoutbox == []


def test_an_anonymous_report_waits_for_the_link_in_its_email(
    category, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(category=category, name="Anna Muster", phone="02246 123")

    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.reporter is None
    assert (report.reporter_email, report.reporter_name, report.reporter_phone) == (
        "anna@example.org",
        "Anna Muster",
        "02246 123",
    )
    assert not DefectReport.objects.public().filter(pk=report.pk).exists()
    assert [message.to for message in mailoutbox] == [["anna@example.org"]]
    token = link_token(mailoutbox[0].body)
    assert report.confirmation_hash and token not in report.confirmation_hash  # only the hash
    assert report.reference in mailoutbox[0].subject


def test_an_anonymous_report_needs_an_email_address(category):
    with pytest.raises(ValidationError) as error:
        submit(category=category, email="  ")
    assert "email" in error.value.error_dict
    assert DefectReport.objects.count() == 0


def test_staff_file_a_report_on_a_callers_behalf(category, mailoutbox):
    staff = make_department_staff(category.department)
    report = submit(
        actor=staff,
        category=category,
        channel=Channel.PHONE,
        on_behalf_of="Anrufer aus Birk",
        email="",
        phone="02246 555",
    )

    assert report.status == Status.CONFIRMED
    assert report.reporter is None
    assert report.entered_by == staff
    assert report.channel == Channel.PHONE
    assert report.on_behalf_of == "Anrufer aus Birk"
    assert report.reporter_phone == "02246 555"
    assert report.updates.last().by_staff


@pytest.mark.parametrize(
    "who",
    ["anonymous", "citizen", "staff_without_department", "inactive_staff"],
)
def test_only_staff_who_work_on_reports_file_them_for_others(category, who):
    actor = {
        "anonymous": lambda: None,
        "citizen": UserFactory,
        "staff_without_department": StaffFactory,
        "inactive_staff": lambda: make_department_staff(category.department, is_active=False),
    }[who]()
    with pytest.raises(PermissionDenied):
        submit(actor=actor, category=category, channel=Channel.PHONE)
    assert DefectReport.objects.count() == 0


def test_staff_of_all_departments_may_file_for_others(category):
    report = submit(actor=make_all_departments_staff(), category=category, channel=Channel.WALK_IN)
    assert report.status == Status.CONFIRMED


def test_an_address_and_district_are_enough_without_a_point(category):
    district = DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    report = submit(
        category=category, latitude=None, longitude=None, address="Am Jabachsee", district=district
    )
    assert (report.latitude, report.longitude, report.address) == (None, None, "Am Jabachsee")
    assert report.district == district


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": IN_THE_SEA[0], "longitude": IN_THE_SEA[1]}, "latitude"),
        ({"latitude": None, "longitude": None, "address": ""}, "address"),
        ({"latitude": IN_LOHMAR[0], "longitude": None}, "latitude"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 4001}, "description"),
    ],
    ids=["in the sea", "no place", "half a point", "no description", "too long"],
)
def test_bad_input_is_refused_and_nothing_is_saved(category, overrides, field):
    with pytest.raises(ValidationError) as error:
        submit(category=category, **overrides)
    assert field in error.value.error_dict
    assert DefectReport.objects.count() == 0
    assert StatusUpdate.objects.count() == 0


def test_an_inactive_category_takes_no_reports():
    with pytest.raises(ValidationError) as error:
        submit(category=make_category(is_active=False))
    assert "category" in error.value.error_dict


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        (lambda: [pdf_named_jpg()], "ist kein Bild"),
        (lambda: [gps_jpeg(f"{n}.jpg") for n in range(4)], "Höchstens 3 Fotos"),
        (lambda: [gps_jpeg(size=(2000, 2000))], "ist zu groß"),
    ],
    ids=["pdf named jpg", "four photos", "too large"],
)
def test_bad_photos_are_refused_and_nothing_is_saved(category, settings, photos, message):
    settings.DEFECTS_MAX_PHOTO_BYTES = 20_000
    before = stored()
    with pytest.raises(ValidationError) as error:
        submit(category=category, photos=[services.NewPhoto(file=f) for f in photos()])
    assert message in " ".join(error.value.message_dict["photos"])
    assert DefectReport.objects.count() == 0
    assert Photo.objects.count() == 0
    assert stored() == before


# --- Confirming and expiring --------------------------------------------------------------------


def anonymous_report(mailoutbox, capture, **overrides) -> tuple[DefectReport, str]:
    with capture(execute=True):
        report = submit(**overrides)
    return report, link_token(mailoutbox[-1].body)


def test_the_link_makes_the_report_public_once(
    category, mailoutbox, django_capture_on_commit_callbacks
):
    report, token = anonymous_report(
        mailoutbox, django_capture_on_commit_callbacks, category=category
    )

    confirmed = services.confirm_report(token=token)
    assert confirmed.pk == report.pk
    report.refresh_from_db()
    assert report.status == Status.CONFIRMED
    assert report.confirmed_at is not None
    assert DefectReport.objects.public().filter(pk=report.pk).exists()
    assert report.updates.filter(to_status=Status.CONFIRMED).count() == 1

    # The link again: the report, unchanged, no second history entry.
    assert services.confirm_report(token=token).pk == report.pk
    assert report.updates.filter(to_status=Status.CONFIRMED).count() == 1


def test_an_unknown_link_confirms_nothing(category):
    assert services.confirm_report(token="kein-gueltiger-link") is None


def test_an_expired_link_confirms_nothing(
    category, mailoutbox, django_capture_on_commit_callbacks, settings
):
    report, token = anonymous_report(
        mailoutbox, django_capture_on_commit_callbacks, category=category
    )
    later = timezone.now() + timedelta(days=settings.DEFECTS_CONFIRMATION_DAYS, minutes=1)
    with time_machine.travel(later):
        assert services.confirm_report(token=token) is None
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_unconfirmed_reports_expire_with_their_photo_files(
    category, mailoutbox, django_capture_on_commit_callbacks, settings
):
    days = settings.DEFECTS_CONFIRMATION_DAYS
    with time_machine.travel(timezone.now() - timedelta(days=days, hours=1)):
        with django_capture_on_commit_callbacks(execute=True):  # the photo gets processed
            old = submit(category=category, photos=[services.NewPhoto(file=gps_jpeg())])
        old_confirmed = make_report(category=category)
    pending = Photo(report=old, original=ContentFile(b"raw", name="roh.jpg"))
    pending.save()  # one photo not processed yet: its upload must go too
    recent = submit(category=category)
    files = {f.name for p in old.photos.all() for f in (p.original, p.image, p.thumbnail) if f}
    assert len(files) == 3 and files <= stored()

    assert services.expire_unconfirmed() == 1

    assert not DefectReport.objects.filter(pk=old.pk).exists()
    assert Photo.objects.filter(report_id=old.pk).count() == 0
    assert not files & stored()
    assert DefectReport.objects.filter(pk__in=[recent.pk, old_confirmed.pk]).count() == 2


# --- Nearby reports -----------------------------------------------------------------------------


def test_nearby_finds_open_public_reports_of_the_category_within_the_radius(category, settings):
    settings.DEFECTS_DUPLICATE_RADIUS_M = 50
    near = make_report(
        category=category, latitude=north_of(IN_LOHMAR, 30)[0], longitude=IN_LOHMAR[1]
    )
    nearest = make_report(
        category=category, latitude=north_of(IN_LOHMAR, 10)[0], longitude=IN_LOHMAR[1]
    )
    in_progress = make_report(
        category=category,
        status=Status.IN_PROGRESS,
        latitude=north_of(IN_LOHMAR, 45)[0],
        longitude=IN_LOHMAR[1],
    )
    make_report(category=category, latitude=north_of(IN_LOHMAR, 60)[0], longitude=IN_LOHMAR[1])
    make_report(category=make_category(), latitude=IN_LOHMAR[0], longitude=IN_LOHMAR[1])
    for status in (Status.SUBMITTED, Status.RESOLVED, Status.CLOSED, Status.DUPLICATE):
        make_report(category=category, status=status)
    make_report(category=category, is_hidden=True)
    make_report(category=category, address="Ohne Punkt", latitude=None, longitude=None)

    found = services.nearby_open_reports(
        category=category, latitude=IN_LOHMAR[0], longitude=IN_LOHMAR[1]
    )

    assert [report.pk for report in found] == [nearest.pk, near.pk, in_progress.pk]
    assert [round(report.distance) for report in found] == [10, 30, 45]


def test_nearby_takes_another_radius(category):
    make_report(category=category, latitude=north_of(IN_LOHMAR, 60)[0], longitude=IN_LOHMAR[1])
    point = {"latitude": IN_LOHMAR[0], "longitude": IN_LOHMAR[1]}
    assert services.nearby_open_reports(category=category, radius_m=50, **point) == []
    assert len(services.nearby_open_reports(category=category, radius_m=100, **point)) == 1


def test_distance_is_the_great_circle_distance():
    # Lohmar town centre to Wahlscheid: about 4.7 km.
    assert 4_600 < services.distance_m(50.8394, 7.2164, 50.8603, 7.2762) < 4_800
    assert services.distance_m(*IN_LOHMAR, *IN_LOHMAR) == 0


# --- "Ich auch" ---------------------------------------------------------------------------------


def test_with_an_account_support_counts_at_once_and_only_once(category, citizen):
    report = make_report(category=category)

    first = services.support_report(report=report, actor=citizen)
    second = services.support_report(report=report, actor=citizen)

    assert first.pk == second.pk
    assert first.confirmed_at is not None
    report.refresh_from_db()
    assert report.supporter_count == 1
    assert Support.objects.filter(report=report).count() == 1


def test_nobody_supports_their_own_report(category, citizen):
    report = make_report(category=category, reporter=citizen)
    with pytest.raises(ValidationError, match="selbst gemeldet"):
        services.support_report(report=report, actor=citizen)
    assert Support.objects.count() == 0


def test_without_an_account_support_counts_after_the_link(
    category, mailoutbox, django_capture_on_commit_callbacks
):
    report = make_report(category=category)

    with django_capture_on_commit_callbacks(execute=True):
        support = services.support_report(report=report, actor=None, email=" Bernd@Example.org ")
    # The same address again (any case): no second row, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.support_report(report=report, actor=None, email="bernd@example.org")

    assert again.pk == support.pk
    assert support.email == "bernd@example.org"
    assert support.confirmed_at is None
    report.refresh_from_db()
    assert report.supporter_count == 0
    assert [message.to for message in mailoutbox] == [["bernd@example.org"]]

    token = link_token(mailoutbox[0].body, "ich-auch/bestaetigen")
    assert services.confirm_support(token=token).pk == support.pk
    assert services.confirm_support(token=token).pk == support.pk  # twice counts once
    report.refresh_from_db()
    assert report.supporter_count == 1
    assert services.confirm_support(token="unbekannt") is None


def test_an_unconfirmed_supporters_link_still_works_after_a_duplicate_merge(
    category, mailoutbox, django_capture_on_commit_callbacks
):
    original, duplicate = make_report(category=category), make_report(category=category)
    with django_capture_on_commit_callbacks(execute=True):
        services.support_report(report=duplicate, actor=None, email="bernd@example.org")
    token = link_token(mailoutbox[0].body, "ich-auch/bestaetigen")
    staff = make_department_staff(category.department)
    services.mark_duplicate(actor=staff, report=duplicate, original=original)

    original.refresh_from_db()
    assert original.supporter_count == 1  # the duplicate's reporter
    support = services.confirm_support(token=token)
    assert support.report == original
    original.refresh_from_db()
    assert original.supporter_count == 2  # and now the one who confirmed


@pytest.mark.parametrize("email", ["", "keine-adresse"])
def test_without_an_account_support_needs_a_valid_address(category, email):
    with pytest.raises(ValidationError) as error:
        services.support_report(report=make_report(category=category), actor=None, email=email)
    assert "email" in error.value.error_dict
    assert Support.objects.count() == 0


@pytest.mark.parametrize(
    "fields",
    [{"status": Status.RESOLVED}, {"status": Status.SUBMITTED}, {"is_hidden": True}],
    ids=["resolved", "unconfirmed", "hidden"],
)
def test_closed_or_unpublished_reports_take_no_support(category, citizen, fields):
    report = make_report(category=category, **fields)
    with pytest.raises(ValidationError):
        services.support_report(report=report, actor=citizen)
    assert Support.objects.count() == 0


# --- Photos -------------------------------------------------------------------------------------


def test_photos_are_processed_after_commit_without_exif_and_gps(
    category, django_capture_on_commit_callbacks
):
    upload = gps_jpeg(size=(3000, 1000), orientation=ROTATE_90_CLOCKWISE)
    assert has_gps(upload.read()) and upload.seek(0) == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = submit(
            category=category, photos=[services.NewPhoto(file=upload, alt_text=" Das Loch ")]
        )
    photo = report.photos.get()
    assert photo.state == Photo.State.PENDING  # nothing happens before the commit
    original = photo.original.name
    assert private_storage().exists(original)

    for callback in callbacks:
        callback()

    photo.refresh_from_db()
    assert photo.state == Photo.State.READY
    assert photo.alt_text == "Das Loch"
    assert not photo.is_released  # staff release photos
    assert not photo.original
    assert not private_storage().exists(original)
    with photo.image.open("rb") as file:
        data = file.read()
    assert not has_gps(data)
    assert exif_of(data) == {}
    with Image.open(io.BytesIO(data)) as image:
        # Upright (the orientation was applied before EXIF went), at most 2048 px.
        assert image.size == (683, 2048)
    with photo.thumbnail.open("rb") as file, Image.open(file) as thumbnail:
        assert max(thumbnail.size) <= 400
        assert thumbnail.size[0] < thumbnail.size[1]
        assert dict(thumbnail.getexif()) == {}


def test_processing_a_photo_twice_changes_nothing(category, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(category=category, photos=[services.NewPhoto(file=gps_jpeg())])
    photo = report.photos.get()
    image_name = photo.image.name
    assert services.process_photo(photo.pk).image.name == image_name
    assert services.process_photo(999_999) is None


def test_an_unreadable_upload_is_marked_failed(category):
    report = make_report(category=category)
    photo = Photo.objects.create(report=report, original=ContentFile(b"kaputt", name="x.jpg"))
    assert services.process_photo(photo.pk).pk == photo.pk
    name = photo.original.name
    photo.refresh_from_db()
    assert photo.state == Photo.State.FAILED
    assert not photo.image
    # The upload is not kept: it may record where it was taken even if we cannot read it.
    assert not photo.original
    assert not private_storage().exists(name)


# --- Personal data ------------------------------------------------------------------------------


def test_a_deleted_account_leaves_its_reports_without_the_person(category, citizen):
    own = make_report(category=category, reporter=citizen, reporter_email="")
    other = make_report(category=category)
    services.support_report(report=other, actor=citizen)
    other.refresh_from_db()
    assert other.supporter_count == 1

    services.anonymise_reporter(citizen)

    own.refresh_from_db()
    other.refresh_from_db()
    assert own.reporter is None
    assert own.status == Status.CONFIRMED  # the report stays public
    assert other.supporter_count == 0
    assert not Support.objects.filter(user=citizen).exists()
