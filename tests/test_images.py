"""Issue 11, item 11: every image people upload is kept the same way (hub.images): metadata stripped (EXIF
with GPS, PNG text chunks), re-encoded, pixels bounded before decoding. Product pictures were stored as
uploaded, GPS included."""

import struct
import zlib
from io import BytesIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms import modelform_factory
from django.test import Client
from PIL import ExifTags, Image, PngImagePlugin

from hub.images import COVER_BOX, PRODUCT_BOX, CleanImageField, ImageUploadField, image_process
from livestreams.models import LiveSession, Product
from livestreams.services.classes import cover_image_process

GPS = {1: "N", 2: (34.0, 45.0, 1.5), 3: "E", 4: (113.0, 39.0, 2.5)}


def gps_jpeg(name="photo.jpg", size=(640, 480)) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate when shown
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = BytesIO()
    Image.new("RGB", size, (200, 16, 46)).save(out, "JPEG", exif=exif.tobytes(), comment=b"shot at home")
    upload = SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
    assert Image.open(BytesIO(upload.read())).getexif().get_ifd(ExifTags.IFD.GPSInfo) == GPS
    upload.seek(0)
    return upload


def png_with_text(name="product.png") -> SimpleUploadedFile:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 34.75N 113.65E")
    info.add_itxt("Location", "郑州市二七区")
    info.add_text("Author", "李商家", zip=True)
    out = BytesIO()
    Image.new("RGBA", (300, 200), (200, 16, 46, 128)).save(out, "PNG", pnginfo=info)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def assert_clean(data: bytes):
    img = Image.open(BytesIO(data))
    assert img.format == "JPEG"
    assert len(img.getexif()) == 0
    assert not {"exif", "comment", "icc_profile", "xmp", "photoshop"} & set(img.info)
    for marker in (b"PhoneMaker", b"shot at home", b"GPS", "郑州".encode(), b"Exif"):
        assert marker not in data
    return img


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels (a decompression bomb's header)."""

    def chunk(kind, payload):
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_jpeg_with_gps_is_kept_without_any_metadata_and_upright():
    img = assert_clean(image_process(gps_jpeg(), box=PRODUCT_BOX).read())
    assert img.size == (480, 640)  # the orientation tag was applied to the pixels, then dropped


def test_a_png_with_text_chunks_is_kept_without_them():
    img = assert_clean(image_process(png_with_text(), box=PRODUCT_BOX).read())
    assert not getattr(img, "text", {})


def test_covers_and_products_go_through_the_same_processing():
    assert_clean(cover_image_process(gps_jpeg(size=(3000, 2000))).read())
    assert Image.open(cover_image_process(gps_jpeg(size=(3000, 2000)))).size[1] <= COVER_BOX[1]


@pytest.mark.parametrize(
    "content",
    [
        png_header_only(100_000, 100_000),  # 10 gigapixels declared
        png_header_only(40_001, 1_000),  # just over the bound
        png_header_only(1, 2**31 - 1),
    ],
    ids=["10-gigapixels", "just-over", "one-column-tall"],
)
def test_a_decompression_bomb_is_refused_from_its_header(content):
    with pytest.raises(ValidationError) as exc:
        image_process(SimpleUploadedFile("bomb.png", content), box=PRODUCT_BOX)
    assert exc.value.code == "too_many_pixels"


def _gif():
    out = BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return out.getvalue()


def _truncated_jpeg():
    out = BytesIO()
    Image.new("RGB", (400, 400), (1, 2, 3)).save(out, "JPEG")
    return out.getvalue()[:300]


def _bmp():
    out = BytesIO()
    Image.new("RGB", (20, 20)).save(out, "BMP")
    return out.getvalue()


@pytest.mark.parametrize(
    "name, content",
    [
        ("fake.jpg", b"not an image at all"),
        ("empty.png", b""),
        ("truncated.jpg", _truncated_jpeg()),
        ("html.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("image.bmp", _bmp()),  # a real image, but not a format we accept
    ],
)
def test_files_that_are_not_accepted_images_are_refused(name, content):
    with pytest.raises(ValidationError):
        image_process(SimpleUploadedFile(name, content), box=PRODUCT_BOX)


def test_an_animated_or_palette_gif_becomes_a_plain_jpeg():
    assert_clean(image_process(SimpleUploadedFile("a.gif", _gif()), box=PRODUCT_BOX).read())


def test_every_image_field_of_every_model_processes_its_uploads():
    image_fields = [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ImageField)
    ]
    assert {(f.model, f.name) for f in image_fields} >= {(LiveSession, "cover"), (Product, "image")}
    for field in image_fields:
        assert isinstance(field, CleanImageField), field
        assert isinstance(field.formfield(), ImageUploadField), field


@pytest.mark.django_db
def test_a_model_form_such_as_the_admins_stores_the_processed_copy():
    form = modelform_factory(Product, fields=["image"])(data={}, files={"image": gps_jpeg()})
    assert form.is_valid(), form.errors
    assert_clean(form.cleaned_data["image"].read())
    assert form.cleaned_data["image"].name.endswith(".jpg")


@pytest.mark.django_db
def test_a_product_image_uploaded_by_a_merchant_is_stored_without_gps(world, merchant):
    from tests.test_sales_registration import form_data

    client = Client()
    client.force_login(merchant)
    data = form_data(world)
    data["products-0-image"] = gps_jpeg("门店.jpg")
    data["products-1-image"] = png_with_text()
    response = client.post("/sales/new/", data)
    assert response.status_code == 302
    for product in Product.objects.exclude(image=""):
        assert product.image.name.startswith("products/") and product.image.name.endswith(".jpg")
        with product.image.open("rb") as stored:
            assert_clean(stored.read())
    assert Product.objects.exclude(image="").count() == 2


@pytest.mark.django_db
def test_a_bomb_as_a_product_image_is_a_form_error_not_a_500(world, merchant):
    from tests.test_sales_registration import form_data

    client = Client()
    client.force_login(merchant)
    data = form_data(world)
    data["products-0-image"] = SimpleUploadedFile("bomb.png", png_header_only(100_000, 100_000))
    response = client.post("/sales/new/", data)
    assert response.status_code == 200
    assert not Product.objects.exists()
