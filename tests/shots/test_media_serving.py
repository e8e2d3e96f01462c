"""Takes' files are served to the project's members only, with Range requests for seeking."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from studio.serving import Unsatisfiable, parse_range

pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 40  # 10,240 bytes, every offset recognisable


@pytest.fixture
def video_url(project):
    name = default_storage.save(f"projects/{project.id}/takes/abc/take-1.mp4", ContentFile(DATA))
    return f"/media/{name}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_member_gets_the_whole_file_as_video_mp4(owner_client, video_url):
    response = owner_client.get(video_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(DATA))
    assert response.streaming
    assert body(response) == DATA


@pytest.mark.parametrize(
    "member", ["owner_client", "editor_client", "reviewer_client", "viewer_client"]
)
def test_every_role_can_watch(request, member, video_url):
    assert request.getfixturevalue(member).get(video_url).status_code == 200


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=100-199", 100, 199),
        ("bytes=0-0", 0, 0),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-100", 10140, 10239),
        ("bytes=10200-999999", 10200, 10239),
        ("bytes=-999999", 0, 10239),
    ],
)
def test_a_range_gets_206_with_just_those_bytes(owner_client, video_url, header, first, last):
    response = owner_client.get(video_url, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(DATA)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == DATA[first : last + 1]


@pytest.mark.parametrize(
    "header", ["bytes=10240-", "bytes=20000-30000", "bytes=500-100", "bytes=-0"]
)
def test_a_range_outside_the_file_gets_416(owner_client, video_url, header):
    response = owner_client.get(video_url, HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("header", ["items=0-10", "bytes=0-10,20-30", "bytes=abc", "bytes=-"])
def test_a_range_we_do_not_serve_gets_the_whole_file(owner_client, video_url, header):
    response = owner_client.get(video_url, HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == DATA


def test_an_outsider_gets_404_for_every_kind_of_request(outsider_client, video_url):
    assert outsider_client.get(video_url).status_code == 404
    assert outsider_client.get(video_url, HTTP_RANGE="bytes=0-10").status_code == 404
    assert outsider_client.head(video_url).status_code == 404


def test_an_anonymous_visitor_gets_404(video_url):
    assert Client().get(video_url).status_code == 404
    assert Client().get(video_url, HTTP_RANGE="bytes=0-10").status_code == 404


def test_a_members_path_into_another_project_is_404(owner_client, outsider, project):
    other = outsider.memberships.get().project
    name = default_storage.save(f"projects/{other.id}/takes/x/take-1.mp4", ContentFile(b"secret"))
    assert owner_client.get(f"/media/{name}").status_code == 404
    sneaky = f"/media/projects/{project.id}/../{other.id}/takes/x/take-1.mp4"
    assert owner_client.get(sneaky).status_code == 404


def test_missing_files_and_odd_paths_are_404(owner_client, project):
    assert owner_client.get(f"/media/projects/{project.id}/takes/none.mp4").status_code == 404
    assert owner_client.get("/media/projects/not-a-uuid/takes/x.mp4").status_code == 404
    assert owner_client.get("/media/elsewhere/x.mp4").status_code == 404


def test_posters_are_served_as_jpeg(owner_client, project):
    name = default_storage.save(
        f"projects/{project.id}/takes/abc/poster.jpg", ContentFile(b"\xff\xd8\xff")
    )
    response = owner_client.get(f"/media/{name}")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_with_x_accel_redirect_nginx_sends_the_bytes(
    owner_client, outsider_client, video_url, settings
):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = owner_client.get(video_url, HTTP_RANGE="bytes=0-10")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + video_url.removeprefix("/media/")
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""
    assert outsider_client.get(video_url).status_code == 404


def test_the_nginx_config_has_the_matching_internal_location(settings):
    from pathlib import Path

    conf = (Path(settings.BASE_DIR) / "deploy" / "nginx.conf").read_text()
    block = conf[conf.index("location /protected-media/") :]
    block = block[: block.index("}\n\n")]
    assert "internal;" in block and "alias /app/var/media/;" in block
    assert "server web:8000;" in conf and "alias /app/var/static/;" in conf


def test_parse_range_edges():
    assert parse_range("bytes=0-", 1) == (0, 0)
    assert parse_range("", 10) is None
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=0-", 0)
