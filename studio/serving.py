"""Media is served only to members of the project it belongs to.

Every stored file lives under `projects/<project uuid>/…`, so one view serves them all: it reads
the project id from the path, checks the membership (404 otherwise, also for anonymous users) and
then either
- hands the bytes to nginx with `X-Accel-Redirect: <MEDIA_ACCEL_REDIRECT><path>` when that setting
  is set (production: deploy/nginx.conf has the matching `internal` location, and nginx does the
  Range requests itself), or
- streams the file itself in 64 KiB chunks, never holding it in memory, answering HTTP Range
  requests with 206 and `Content-Range` (416 for a range outside the file) so the player can seek.

Every answer says `X-Content-Type-Options: nosniff`; MP4s are `video/mp4`.
"""

from __future__ import annotations

import mimetypes
import re
import uuid
from collections.abc import Iterator
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from .access import get_membership

CHUNK = 64 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single `bytes=` range, None to ignore the header (RFC 9110:
    a server may ignore ranges it does not support, e.g. several at once), Unsatisfiable for a
    range that does not fit the file."""
    match = RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or start > end:
        raise Unsatisfiable
    return start, min(end, size - 1)


def _read(fh, start: int, length: int) -> Iterator[bytes]:
    try:
        fh.seek(start)
        while length > 0:
            chunk = fh.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        fh.close()


def protected_media(request: HttpRequest, path: str) -> HttpResponse:
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "projects" or ".." in parts or "" in parts:
        raise Http404("No such file.")
    try:
        project_id = uuid.UUID(parts[1])
    except ValueError:
        raise Http404("No such file.")
    get_membership(request, project_id)
    if not default_storage.exists(path):
        raise Http404("No such file.")
    if path.lower().endswith(".mp4"):
        content_type = "video/mp4"
    else:
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"

    response: HttpResponse
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(path)
    else:
        size = default_storage.size(path)
        try:
            wanted = parse_range(request.headers.get("Range", ""), size)
        except Unsatisfiable:
            response = HttpResponse(status=416, content_type="text/plain")
            response["Content-Range"] = f"bytes */{size}"
            wanted = None
        else:
            if wanted is None:
                response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
                response["Content-Length"] = str(size)
            else:
                start, end = wanted
                response = StreamingHttpResponse(
                    _read(default_storage.open(path, "rb"), start, end - start + 1),
                    status=206,
                    content_type=content_type,
                )
                response["Content-Range"] = f"bytes {start}-{end}/{size}"
                response["Content-Length"] = str(end - start + 1)
        response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
