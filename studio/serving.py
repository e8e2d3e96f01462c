"""Media is served only to members of the project it belongs to.

Every stored file lives under `projects/<project uuid>/…`, so one view serves them all: it reads
the project id from the path, checks the membership (404 otherwise) and streams the file.
(Range requests and X-Accel-Redirect: see the generation work, issue 3.)
"""

from __future__ import annotations

import mimetypes
import uuid

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest

from .access import get_membership


def protected_media(request: HttpRequest, path: str) -> FileResponse:
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "projects" or ".." in parts:
        raise Http404("No such file.")
    try:
        project_id = uuid.UUID(parts[1])
    except ValueError:
        raise Http404("No such file.")
    get_membership(request, project_id)
    if not default_storage.exists(path):
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
