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


def png_of(size, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "green" if mode == "RGB" else 0).save(out, "PNG")
    return out.getvalue()


def test_png_de_6300_pixels_de_cote_est_refuse_avant_decodage():
    raw = png_of((6300, 6300))
    assert len(raw) < 200_000  # a few hundred kilobytes that would decode to 150 MiB
    with pytest.raises(Invalid) as caught:
        photos.prepare(encoded(raw))
    assert caught.value.fields == {"photo": [photos.TOO_MANY_PIXELS_TO_DECODE]}
    assert "16 millions de pixels" in photos.TOO_MANY_PIXELS_TO_DECODE


def test_image_de_plus_de_40_megapixels_est_refusee_meme_en_jpeg():
    out = io.BytesIO()
    Image.new("L", (8000, 5100)).save(out, "JPEG")
    with pytest.raises(Invalid) as caught:
        photos.prepare(encoded(out.getvalue()))
    assert caught.value.fields == {"photo": [photos.TOO_MANY_PIXELS]}


def test_grand_jpeg_est_decode_a_echelle_reduite():
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), (200, 30, 30)).save(out, "JPEG")
    image = photos.open_image(out.getvalue())
    assert image.size == (3000, 2000)  # decoded at 1/2 scale, never at full size
    photo = photos.prepare(encoded(out.getvalue()))
    assert (photo.width, photo.height) == (2560, 1707)


def test_grand_png_est_reduit_des_le_decodage():
    image = photos.open_image(png_of((5200, 3000)))
    reduced = photos.decode_reduced(image)
    assert reduced.size == (2560, 1477)  # shrunk before being turned or flattened
    photo = photos.prepare(encoded(png_of((5200, 3000))))
    assert (photo.width, photo.height) == (2560, 1477)


def test_png_a_palette_reduit_garde_ses_couleurs():
    image = Image.new("P", (5200, 300))
    image.putpalette([0, 0, 0, 255, 200, 0] + [0] * 762)
    image.paste(1, (0, 0, 5200, 300))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo = photos.prepare(encoded(out.getvalue()))
    result = Image.open(io.BytesIO(photo.data))
    assert result.getpixel((100, 50)) == pytest.approx((255, 200, 0), abs=6)
