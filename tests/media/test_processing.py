"""The picture pipeline on its own: what comes out of an upload, and what is refused."""

from __future__ import annotations

import io

import blurhash as reference_blurhash
import pytest
from PIL import Image

from fedlocal.media import blurhash, processing
from fedlocal.media.processing import Limits, Refused, process
from tests.support.waiting import wait_for

from .pictures import (
    GPS_IFD,
    SVG_WITH_SCRIPT,
    photo_with_gps,
    picture,
    png_header_only,
    read_back,
)


def test_a_photo_comes_out_without_its_gps_position_nor_any_exif() -> None:
    # Given a photo whose EXIF gives where it was taken
    original = photo_with_gps()
    assert read_back(original).getexif().get_ifd(GPS_IFD), "the test photo has GPS"
    # When it is processed
    done = process(original)
    # Then neither the picture nor its thumbnail has EXIF, GPS or any other metadata
    for rendition in (done.original, done.small):
        out = read_back(rendition.data)
        assert not out.getexif().get_ifd(GPS_IFD)
        assert len(out.getexif()) == 0
        assert "exif" not in out.info and "icc_profile" not in out.info
        assert b"PhoneMaker" not in rendition.data


def test_the_exif_orientation_is_applied_to_the_pixels_then_dropped() -> None:
    # Orientation 6: the camera was turned, the viewer must rotate 90° clockwise.
    done = process(photo_with_gps((640, 480), orientation=6))
    assert (done.original.width, done.original.height) == (480, 640)
    out = read_back(done.original.data)
    assert out.size == (480, 640)
    assert out.getexif().get(0x0112) is None


def test_a_large_photo_is_resized_with_a_thumbnail_and_a_blurhash() -> None:
    done = process(picture((4000, 3000), quality=90))
    assert (done.original.width, done.original.height) == (1600, 1200)
    assert (done.small.width, done.small.height) == (400, 300)
    assert read_back(done.original.data).size == (1600, 1200)
    assert done.original.content_type == done.small.content_type == "image/jpeg"
    assert done.source_type == "image/jpeg"
    assert len(done.blurhash) == 28  # 4 × 3 components: 6 + 2 × 11 characters


def test_a_small_picture_keeps_its_size() -> None:
    done = process(picture((300, 200)))
    assert (done.original.width, done.original.height) == (300, 200)
    assert (done.small.width, done.small.height) == (300, 200)


def test_png_and_webp_are_accepted_and_transparency_is_kept_as_webp() -> None:
    opaque = process(picture((200, 100), kind="PNG"))
    assert opaque.source_type == "image/png" and opaque.original.content_type == "image/jpeg"
    see_through = process(picture((200, 100), kind="PNG", mode="RGBA", colour=(10, 20, 30, 0)))
    assert see_through.original.content_type == "image/webp"
    assert read_back(see_through.original.data).mode == "RGBA"
    webp = process(picture((200, 100), kind="WEBP"))
    assert webp.source_type == "image/webp" and webp.original.width == 200


def test_png_text_and_colour_profile_chunks_are_dropped() -> None:
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home: 12 rue des Lilas")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    done = process(picture((100, 100), kind="PNG", pnginfo=info, icc_profile=icc))
    out = read_back(done.original.data)
    assert out.info.get("icc_profile") is None
    assert b"rue des Lilas" not in done.original.data


@pytest.mark.skipif(not processing.heic_supported(), reason="pillow-heif is not installed")
def test_an_iphone_heic_photo_is_read() -> None:
    done = process(picture((320, 240), kind="HEIF"))
    assert done.source_type == "image/heic"
    assert (done.original.width, done.original.height) == (320, 240)
    assert done.original.content_type == "image/jpeg"


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    # 100,000 × 100,000 pixels claimed in a few hundred bytes (Pillow's own limit)
    with pytest.raises(Refused) as refused:
        process(png_header_only(100_000, 100_000))
    assert refused.value.reason == "too_many_pixels"
    # 8,000 × 8,000: under Pillow's limit, over ours
    with pytest.raises(Refused) as refused:
        process(png_header_only(8_000, 8_000))
    assert refused.value.reason == "too_many_pixels"
    assert "million pixels" in refused.value.message


def test_a_truncated_file_is_refused_as_damaged() -> None:
    whole = picture((800, 600), quality=95)
    with pytest.raises(Refused) as refused:
        process(whole[: len(whole) // 2])
    assert refused.value.reason == "damaged"


@pytest.mark.parametrize(
    "data",
    [
        SVG_WITH_SCRIPT,
        picture((20, 20), kind="GIF"),
        picture((20, 20), kind="BMP"),
        picture((20, 20), kind="TIFF"),
        b"%PDF-1.7\n",
        b"",
    ],
    ids=["svg", "gif", "bmp", "tiff", "pdf", "empty"],
)
def test_anything_but_jpeg_png_webp_heic_is_refused(data: bytes) -> None:
    with pytest.raises(Refused) as refused:
        process(data)
    assert refused.value.reason == "unsupported"
    assert "JPEG, PNG, WebP" in refused.value.message


def test_a_file_over_the_size_limit_is_refused_unread() -> None:
    with pytest.raises(Refused) as refused:
        process(picture((200, 200)), Limits(max_bytes=1000))
    assert refused.value.reason == "too_large"


def test_our_blurhash_is_the_reference_implementations() -> None:
    image = Image.open(io.BytesIO(picture((32, 24)))).convert("RGB")
    raw = image.tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))
    rows = [[list(pixels[y * 32 + x]) for x in range(32)] for y in range(24)]
    ours = blurhash.encode(pixels, 32, 24, x_components=4, y_components=3)
    assert ours == reference_blurhash.encode(rows, components_x=4, components_y=3)


def test_blurhash_of_one_colour_has_only_its_average() -> None:
    assert blurhash.encode([(255, 0, 0)] * 4, 2, 2, x_components=1, y_components=1) == "00TI:j"


async def test_no_more_pictures_are_processed_at_once_than_the_limit(monkeypatch) -> None:
    import asyncio
    import threading

    from fedlocal.media import worker

    running, most = 0, 0
    lock = threading.Lock()
    release = threading.Event()

    def slow_process(data: bytes, limits: Limits) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(timeout=10)
        with lock:
            running -= 1
        return "done"

    monkeypatch.setattr(worker, "process", slow_process)
    processor = worker.PictureProcessor(Limits(), concurrency=2)
    # Given five uploads at once
    tasks = [asyncio.create_task(processor.process(b"x")) for _ in range(5)]
    # When two have started, the others wait for a slot
    await wait_for(lambda: running == 2, message="two pictures in process")
    release.set()
    assert await asyncio.gather(*tasks) == ["done"] * 5
    assert most == 2
