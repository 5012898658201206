"""Attachments on registrations: checked for size and type before anything is written.

The type is read from the file's first bytes, not only from its name or the browser's content type: a file
named ``quote.pdf`` that is not a PDF is refused.
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

# extension → (content type, how its first bytes must look)
ZIP = b"PK\x03\x04"
TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    "csv": ("text/csv", None),
    "txt": ("text/plain", None),
}
MAX_FILES = 10
ALLOWED = ", ".join(sorted({ext.upper() for ext in TYPES} - {"JPEG"}))


def max_bytes() -> int:
    return settings.ONEPANE_DEAL_ATTACHMENT_MAX_BYTES


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still text.
        if exc.start < len(head) - 4:
            return False
    return True


def validate_upload(upload) -> tuple[str, str]:
    """``(clean file name, content type)`` of an acceptable upload, or a ``ValidationError`` that says why not."""
    name = os.path.basename((getattr(upload, "name", "") or "").replace("\\", "/")).strip()
    if not name:
        raise ValidationError("The file has no name.")
    if upload.size > max_bytes():
        raise ValidationError(
            f"{name} is {filesizeformat(upload.size)}; attachments can be at most {filesizeformat(max_bytes())}."
        )
    if upload.size == 0:
        raise ValidationError(f"{name} is empty.")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in TYPES:
        raise ValidationError(f"{name}: this type of file cannot be attached. Allowed: {ALLOWED}.")
    content_type, signatures = TYPES[ext]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    ok = _is_text(head) if signatures is None else any(head.startswith(sig) for sig in signatures)
    if not ok:
        raise ValidationError(f"{name} is not a valid {ext.upper()} file.")
    return name[:200], content_type


def validate_uploads(uploads) -> list[tuple[object, str, str]]:
    """Check every file first (nothing is written unless all are fine); errors name each file."""
    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"Attach at most {MAX_FILES} files at once.")
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append((upload, *validate_upload(upload)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return checked
