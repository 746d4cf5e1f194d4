"""Photos are size-capped, recognised from their content and re-encoded without metadata."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from contracts.errors import Invalid
from contracts.requests import PHOTO_MAX_BYTES
from requests_service import photos

GPS_IFD = 0x8825


def encoded(raw: bytes) -> dict:
    return {"filename": "photo.jpg", "data": base64.b64encode(raw).decode("ascii")}


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # orientation: rotate 90° to display upright
    exif[GPS_IFD] = {1: "N", 2: (45.0, 47.0, 43.0), 3: "E", 4: (4.0, 50.0, 48.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_exif_et_gps_sont_retires():
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD)
    photo = photos.prepare(encoded(raw))
    result = Image.open(io.BytesIO(photo.data))
    assert result.format == "JPEG"
    assert not result.getexif()
    assert "exif" not in result.info
    assert (photo.width, photo.height) == (480, 640)


def test_pdf_renomme_en_jpg_est_refuse():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    with pytest.raises(Invalid) as caught:
        photos.prepare({"filename": "facture.jpg", "data": base64.b64encode(pdf).decode()})
    assert caught.value.fields == {"photo": ["Le fichier n'est pas une image JPEG, PNG ou WebP."]}


def test_photo_trop_lourde_est_refusee():
    with pytest.raises(Invalid) as caught:
        photos.prepare(encoded(b"\xff" * (PHOTO_MAX_BYTES + 1)))
    assert caught.value.fields == {"photo": [photos.TOO_BIG]}


def test_base64_invalide_est_refuse_sur_le_champ_photo():
    with pytest.raises(Invalid) as caught:
        photos.prepare({"filename": "x.jpg", "data": "pas du base64 !"})
    assert list(caught.value.fields) == ["photo"]


def test_png_avec_transparence_est_accepte():
    image = Image.new("RGBA", (300, 200), (255, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo = photos.prepare(
        {"filename": "logo.png", "data": base64.b64encode(out.getvalue()).decode()}
    )
    result = Image.open(io.BytesIO(photo.data))
    assert (result.format, result.mode, photo.filename) == ("JPEG", "RGB", "logo.jpg")
    assert result.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)


def test_grande_image_est_reduite_a_2560_pixels():
    out = io.BytesIO()
    Image.new("RGB", (5000, 1000), "green").save(out, "WEBP")
    photo = photos.prepare(encoded(out.getvalue()))
    assert (photo.width, photo.height) == (2560, 512)


def test_bombe_de_decompression_est_refusee():
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    with pytest.raises(Invalid) as caught:
        photos.prepare(encoded(out.getvalue()))
    assert caught.value.fields == {"photo": [photos.TOO_MANY_PIXELS]}
