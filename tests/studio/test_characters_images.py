"""Reference images on a character sheet: upload several, refuse bad files whole, delete one."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from studio.models import CharacterImage

from ..factories import CharacterFactory, png_bytes

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mara(project):
    return CharacterFactory(project=project, name="Mara")


def add_url(character):
    return reverse("character-image-add", args=[character.project_id, character.id])


def delete_url(reference):
    character = reference.character
    return reverse(
        "character-image-delete", args=[character.project_id, character.id, reference.id]
    )


def photo(name: str = "face.jpg", width: int = 960, height: int = 1280) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 70)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def stored_files() -> list[str]:
    """Every file under projects/ in this test's media folder."""
    found: list[str] = []

    def walk(path: str) -> None:
        dirs, files = default_storage.listdir(path)
        found.extend(f"{path}/{name}" for name in files)
        for directory in dirs:
            walk(f"{path}/{directory}")

    if default_storage.exists("projects"):
        walk("projects")
    return found


def test_an_editor_uploads_several_references_at_once(editor_client, mara):
    response = editor_client.post(
        add_url(mara), {"images": [photo("face.jpg"), photo("figure.jpg", 600, 1400)]}, **HTMX
    )

    assert response.status_code == 200
    references = list(mara.images.order_by("width"))
    assert [(r.width, r.height) for r in references] == [(600, 1400), (960, 1280)]
    for reference in references:
        assert reference.image.name.startswith(f"projects/{mara.project_id}/characters/")
        assert default_storage.exists(reference.image.name)
        assert Image.open(reference.thumbnail).size[0] == 480
    page = response.content.decode()
    assert 'id="character-images"' in page and "<html" not in page
    assert references[0].thumbnail.url in page or references[0].image.url in page


def test_the_sheet_shows_the_references_to_every_member(viewer_client, editor_client, mara):
    editor_client.post(add_url(mara), {"images": [photo()]})
    reference = mara.images.get()

    page = viewer_client.get(reverse("character-detail", args=[mara.project_id, mara.id]))

    assert reference.image.url in page.content.decode()
    assert viewer_client.get(reference.image.url).status_code == 200


def test_without_htmx_an_upload_returns_to_the_sheet(owner_client, mara):
    response = owner_client.post(add_url(mara), {"images": [photo()]})

    assert response.status_code == 302
    assert response["Location"] == reverse("character-detail", args=[mara.project_id, mara.id])
    assert mara.images.count() == 1


def test_a_text_file_named_png_is_refused_and_nothing_is_saved(editor_client, mara):
    fake = SimpleUploadedFile("face.png", b"not really a picture", content_type="image/png")

    response = editor_client.post(add_url(mara), {"images": [photo(), fake]}, **HTMX)

    assert response.status_code == 200
    assert "face.png: This file is not an image we can read." in response.content.decode()
    assert not CharacterImage.objects.exists()
    assert stored_files() == []


def test_a_refused_upload_without_htmx_shows_the_sheet_with_the_error(editor_client, mara):
    fake = SimpleUploadedFile("face.png", b"GIF89a but not really", content_type="image/gif")

    response = editor_client.post(add_url(mara), {"images": [fake]})

    assert response.status_code == 200
    assert "not an image we can read" in response.content.decode()
    assert "Canonical description" in response.content.decode()
    assert not CharacterImage.objects.exists()


def test_an_image_over_the_pixel_limit_is_refused(editor_client, mara, settings):
    settings.UPLOAD_MAX_PIXELS = 1000

    response = editor_client.post(add_url(mara), {"images": [photo()]}, **HTMX)

    assert "too large" in response.content.decode()
    assert not CharacterImage.objects.exists()


def test_uploading_nothing_asks_for_a_file(editor_client, mara):
    response = editor_client.post(add_url(mara), {}, **HTMX)

    assert "This field is required." in response.content.decode()


def test_a_transparent_reference_is_kept_as_png(editor_client, mara):
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    img.paste((200, 40, 40, 255), (16, 16, 48, 48))
    buffer = io.BytesIO()
    img.save(buffer, "PNG")

    editor_client.post(
        add_url(mara), {"images": [SimpleUploadedFile("cut.png", buffer.getvalue())]}
    )

    reference = mara.images.get()
    assert reference.image.name.endswith(".png")
    assert Image.open(reference.image).mode == "RGBA"


def test_an_editor_deletes_a_reference_and_its_files(
    editor_client, mara, django_capture_on_commit_callbacks
):
    editor_client.post(add_url(mara), {"images": [photo()]})
    reference = mara.images.get()
    names = [reference.image.name, reference.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):  # files go once the row is gone
        response = editor_client.post(delete_url(reference), **HTMX)

    assert response.status_code == 200
    assert not CharacterImage.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_deleting_a_character_deletes_its_reference_files(
    editor_client, mara, django_capture_on_commit_callbacks
):
    editor_client.post(add_url(mara), {"images": [photo()]})
    name = mara.images.get().image.name

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("character-delete", args=[mara.project_id, mara.id]))

    assert not default_storage.exists(name)


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_cannot_upload_or_delete(request, who, editor_client, mara):
    editor_client.post(add_url(mara), {"images": [photo()]})
    reference = mara.images.get()
    client = request.getfixturevalue(f"{who}_client")

    assert client.post(add_url(mara), {"images": [photo()]}).status_code == 403
    assert client.post(delete_url(reference)).status_code == 403
    assert mara.images.count() == 1


def test_outsiders_get_404(outsider_client, editor_client, mara):
    editor_client.post(add_url(mara), {"images": [photo()]})
    reference = mara.images.get()

    assert outsider_client.post(add_url(mara), {"images": [photo()]}).status_code == 404
    assert outsider_client.post(delete_url(reference)).status_code == 404
    assert outsider_client.get(reference.image.url).status_code == 404
    assert mara.images.count() == 1


def test_a_reference_of_another_character_is_not_found(editor_client, mara, project):
    editor_client.post(add_url(mara), {"images": [photo()]})
    reference = mara.images.get()
    tom = CharacterFactory(project=project, name="Tom")

    url = reverse("character-image-delete", args=[project.id, tom.id, reference.id])

    assert editor_client.post(url).status_code == 404
    assert CharacterImage.objects.count() == 1


def test_the_tiny_factory_png_is_accepted(editor_client, mara):
    upload = SimpleUploadedFile("dot.png", png_bytes(1, 1), content_type="image/png")

    editor_client.post(add_url(mara), {"images": [upload]})

    assert mara.images.get().width == 1
