"""Attachment checks: size and type, by extension and by the file's first bytes. No database needed."""

import io

import pytest
from django.core.exceptions import ValidationError

from deals import uploads
from tests.deals.service_helpers import upload

ZIP = b"PK\x03\x04" + b"\x00" * 40
GOOD = [
    ("quote.pdf", b"%PDF-1.7\n...", "application/pdf"),
    ("logo.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
    ("site.jpg", b"\xff\xd8\xff\xe0....", "image/jpeg"),
    ("site.JPEG", b"\xff\xd8\xff\xe1....", "image/jpeg"),
    ("sow.docx", ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("bom.xlsx", ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pitch.pptx", ZIP, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("seats.csv", b"site,seats\nBerlin,120\n", "text/csv"),
    ("notes.txt", "Grüße aus Köln — 200 Plätze".encode(), "text/plain"),
    ("QUOTE.PDF", b"%PDF-1.4", "application/pdf"),
]


class Raw(io.BytesIO):
    """A file-like object whose name nobody has cleaned yet (Django's UploadedFile strips folders itself)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


def message(exc_info) -> str:
    return " ".join(exc_info.value.messages)


@pytest.mark.parametrize(("name", "content", "content_type"), GOOD)
def test_allowed_types_pass_with_their_content_type(name, content, content_type):
    file = upload(name, content, "application/x-whatever-the-browser-said")
    assert uploads.validate_upload(file) == (name, content_type)
    assert file.tell() == 0  # left where a storage backend expects it


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("setup.exe", b"MZ\x90\x00", "setup.exe: this type of file cannot be attached."),
        ("page.html", b"<html>", "page.html: this type of file cannot be attached."),
        ("README", b"plain text", "README: this type of file cannot be attached."),
        ("invoice.pdf.exe", b"%PDF-1.4", "invoice.pdf.exe: this type of file cannot be attached."),
        ("quote.pdf", b"MZ\x90\x00 a program named like a PDF", "quote.pdf is not a valid PDF file."),
        ("photo.png", b"GIF89a", "photo.png is not a valid PNG file."),
        ("photo.jpg", b"\x89PNG\r\n\x1a\n", "photo.jpg is not a valid JPG file."),
        ("sow.docx", b"%PDF-1.4", "sow.docx is not a valid DOCX file."),
        ("seats.csv", b"a,b\x00c", "seats.csv is not a valid CSV file."),
        ("notes.txt", b"\xff\xfe\xfa not utf-8 " + b"x" * 20, "notes.txt is not a valid TXT file."),
        ("empty.pdf", b"", "empty.pdf is empty."),
    ],
)
def test_wrong_types_are_refused_with_the_reason(name, content, expected):
    with pytest.raises(ValidationError) as exc:
        uploads.validate_upload(upload(name, content))
    assert message(exc).startswith(expected)


def test_the_refusal_lists_what_is_allowed():
    with pytest.raises(ValidationError) as exc:
        uploads.validate_upload(upload("setup.exe", b"MZ"))
    assert (
        message(exc)
        == "setup.exe: this type of file cannot be attached. Allowed: CSV, DOCX, JPG, PDF, PNG, PPTX, TXT, XLSX."
    )


def test_text_cut_in_the_middle_of_a_character_is_still_text():
    body = b"a" * 2047 + "é".encode()  # the 2,048-byte sample ends inside "é"
    assert uploads.validate_upload(upload("notes.txt", body)) == ("notes.txt", "text/plain")


def test_size_limit(settings):
    settings.ONEPANE_DEAL_ATTACHMENT_MAX_BYTES = 1024
    assert uploads.validate_upload(upload("at-limit.pdf", b"%PDF-" + b"x" * 1019))[0] == "at-limit.pdf"
    with pytest.raises(ValidationError) as exc:
        uploads.validate_upload(upload("over.pdf", b"%PDF-" + b"x" * 1020))
    assert message(exc) == "over.pdf is 1.0\xa0KB; attachments can be at most 1.0\xa0KB."


def test_default_limit_is_10_mb():
    assert uploads.max_bytes() == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/quote.pdf", "quote.pdf"),
        ("C:\\Users\\me\\Desktop\\quote.pdf", "quote.pdf"),
        ("  quote.pdf ", "quote.pdf"),
        ("x" * 300 + ".pdf", ("x" * 300 + ".pdf")[:200]),
    ],
)
def test_the_name_is_reduced_to_a_plain_file_name(given, kept):
    assert uploads.validate_upload(Raw(given, b"%PDF-1.4"))[0] == kept


@pytest.mark.parametrize("name", ["", "/", "C:\\", None])
def test_a_file_without_a_name(name):
    with pytest.raises(ValidationError, match="The file has no name"):
        uploads.validate_upload(Raw(name, b"%PDF-1.4"))


def test_many_files_are_checked_together_and_each_error_names_its_file():
    files = [upload("ok.pdf", b"%PDF-1"), upload("bad.pdf", b"nope"), upload("tool.exe", b"MZ")]
    with pytest.raises(ValidationError) as exc:
        uploads.validate_uploads(files)
    assert exc.value.messages[0] == "bad.pdf is not a valid PDF file."
    assert exc.value.messages[1].startswith("tool.exe: this type of file cannot be attached.")
    assert len(exc.value.messages) == 2

    checked = uploads.validate_uploads(files[:1])
    assert checked == [(files[0], "ok.pdf", "application/pdf")]
    assert uploads.validate_uploads(None) == []


def test_at_most_ten_files_at_once():
    with pytest.raises(ValidationError, match="Attach at most 10 files at once"):
        uploads.validate_uploads([upload(f"f{n}.txt", b"x") for n in range(11)])
