"""Photos in the publishing forms: up to four on an offer or a request, one poster on an
event. Each photo needs its alternative text (RGAA 1.1): a file without a description is
an error beside the description field, before anything is uploaded.

Browsers never send a chosen file again when a form comes back with an error, so a
re-shown form says so (`photos_again`) and asks for the files once more; a description
kept without its file is an error beside the file field rather than a post published
silently without its photo.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedlocal.services import media as media_service
from fedlocal.services.errors import InvalidInput

from ..forms import FormState
from ..page import Page
from ..service_messages import translate_service_error

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif"
# The value a re-shown form carries to say "choose your photos again".
AGAIN = "photos_again"


@dataclass(frozen=True)
class Slot:
    """One photo field and its description field."""

    file: str
    alt: str
    label: str
    alt_label: str


@dataclass(frozen=True)
class Chosen:
    slot: Slot
    data: bytes
    description: str


def listing_slots(page: Page, count: int = media_service.MAX_ATTACHMENTS) -> list[Slot]:
    t = page.t
    return [
        Slot(
            f"photo_{n}",
            f"photo_{n}_alt",
            t("Photo %(number)s", number=n),
            t("Description of photo %(number)s", number=n),
        )
        for n in range(1, count + 1)
    ]


def poster_slots(page: Page) -> list[Slot]:
    return [Slot("poster", "poster_alt", page.t("Poster"), page.t("Description of the poster"))]


def slot_labels(slots: list[Slot]) -> dict[str, str]:
    """The fields' names as the form's summary of errors shows them."""
    return {name: text for s in slots for name, text in ((s.file, s.label), (s.alt, s.alt_label))}


def photo_form_values(page: Page, slots: list[Slot]) -> dict[str, object]:
    """What a form's template needs to show its photo fields."""
    return {
        "photo_slots": slots,
        "photo_labels": slot_labels(slots),
        "photo_accept": ACCEPT,
        "photo_max_megabytes": page.config.media_max_bytes // (1024 * 1024),
        "description_limit": media_service.DESCRIPTION_LIMIT,
    }


def read_photos(page: Page, state: FormState, slots: list[Slot]) -> list[Chosen]:
    """The photos chosen with their descriptions; errors beside the fields in `state`."""
    t, files = page.t, page.form.files
    chosen: list[Chosen] = []
    for slot in slots:
        data = files.get(slot.file)
        description = state.values.get(slot.alt, "").strip()
        if len(description) > media_service.DESCRIPTION_LIMIT:
            state.error(
                slot.alt,
                t(
                    "A description has at most %(max)s characters.",
                    max=media_service.DESCRIPTION_LIMIT,
                ),
            )
        elif data and not description:
            state.error(
                slot.alt,
                t("Describe this photo for people who cannot see it, in a sentence."),
            )
        elif description and not data:
            state.error(
                slot.file,
                t("Choose this photo again, or clear its description."),
            )
        if data:
            chosen.append(Chosen(slot, data, description))
    return chosen


def ask_again(state: FormState, chosen: list[Chosen]) -> None:
    """Mark a form shown again with photos chosen: the browser will not send them twice."""
    if chosen:
        state.values[AGAIN] = "yes"


async def upload_photos(page: Page, state: FormState, chosen: list[Chosen]) -> tuple[int, ...]:
    """Process and keep each photo (still waiting for its post); their ids, or an empty
    tuple with the error beside the photo the pipeline refused."""
    assert page.me is not None
    ids: list[int] = []
    for photo in chosen:
        try:
            upload = await media_service.upload(
                page.services, page.me, photo.data, description=photo.description
            )
        except InvalidInput as exc:
            state.error(photo.slot.file, translate_service_error(page.t, exc))
            return ()
        ids.append(upload.id)
    return tuple(ids)
