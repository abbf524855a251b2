"""Uploaded files are measured as they arrive, not after they are on disk.

Django spools an upload to a temporary file before any view sees it, so a 5 GB "material"
would fill the disk before the service's size check refused it. `SizeLimitUploadHandler`
runs first (settings.FILE_UPLOAD_HANDLERS): it counts each file's bytes, and once a file is
past LIHUI_MATERIAL_MAX_BYTES it swallows the rest, so at most the limit is ever written.
The file then reaches the form as an empty stand-in that still knows its real size, and the
service refuses it with its usual translated "too large" message (web form and API alike).
The reverse proxy should cap the request body too (docs/deploy.md); this holds without one.
Nobody signed in sends files at all: lihui.security.AnonymousUploadMiddleware refuses their
multipart bodies before anything reads them, and DATA_UPLOAD_MAX_NUMBER_FILES caps the parts.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class OversizedUpload(UploadedFile):
    """What arrived instead of a file that was too large: a name, a type and a size, no content."""

    def __init__(self, name: str, content_type: str, size: int):
        from io import BytesIO

        super().__init__(BytesIO(b""), name=name, content_type=content_type, size=size)


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.LIHUI_MATERIAL_MAX_BYTES:
            return None  # past the limit: the handlers after this one never see these bytes
        return raw_data

    def file_complete(self, file_size):
        if self.received > settings.LIHUI_MATERIAL_MAX_BYTES:
            # Returned first, this replaces the partial file the next handler was writing.
            # Nothing refers to that file any more but the handler, which lives as long as the
            # request: remove it now rather than when the request is garbage-collected.
            self._discard_partial_files()
            return OversizedUpload(self.file_name, self.content_type, self.received)
        return None

    def _discard_partial_files(self) -> None:
        handlers = list(getattr(self.request, "upload_handlers", []) or [])
        for handler in handlers[handlers.index(self) + 1 :] if self in handlers else []:
            if hasattr(handler, "file"):
                handler.upload_interrupted()  # the temporary file handler closes and deletes its file
                del handler.file


class NoFilesUploadHandler(FileUploadHandler):
    """Reads a multipart form's fields and skips every file part unwritten: for the sign-in
    forms, the only ones someone not signed in may post (lihui.security.AnonymousUploadMiddleware)."""

    def new_file(self, *args, **kwargs):
        raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        return None

    def file_complete(self, file_size):
        return None
