"""A file upload handler that gives up on a part as soon as it passes the byte cap.

It must be installed before anything reads request.POST/FILES (so the upload view is
csrf_exempt and re-applies CSRF protection itself after installing it).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# Multipart framing and the small form fields around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def body_too_large(request) -> bool:
    """True when the declared body cannot hold a file under the cap: refuse before reading it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES


class CappedUploadHandler(FileUploadHandler):
    """Counts the bytes of each file part and stops the upload past UPLOAD_MAX_BYTES.

    The remaining body is drained without being kept; `request.upload_too_large` tells
    the view why the file is missing.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.max_bytes = settings.UPLOAD_MAX_BYTES
        self.received = 0
        if request is not None:
            request.upload_too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data  # let the next handler (memory or temporary file) store it

    def file_complete(self, file_size):
        return None


def install_capped_handler(request) -> None:
    request.upload_handlers.insert(0, CappedUploadHandler(request))
