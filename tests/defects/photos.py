"""Test pictures for the Mängelmelder: a phone photo carrying GPS EXIF, and things that are not."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Where the "phone" says it took the photo: the town hall of Lohmar, in degrees/minutes/seconds.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (50.0, 50.0, 21.84),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (7.0, 12.0, 59.04),
}
ROTATE_90_CLOCKWISE = 6  # EXIF orientation: the camera was held upright


def jpeg_bytes(size=(300, 100), *, gps=True, orientation=None, color="red") -> bytes:
    """A JPEG as a phone writes it: camera make, GPS position and (optionally) orientation."""
    picture = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefonbau Lohmar"
    exif[ExifTags.Base.Model] = "Modell 7"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def gps_jpeg(name="schlagloch.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def png(name="laterne.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_named_jpg(name="foto.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", content_type="image/jpeg"
    )


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as picture:
        exif = picture.getexif()
        return bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or ExifTags.IFD.GPSInfo in exif


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as picture:
        return dict(picture.getexif())
