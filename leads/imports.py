"""Reading a vendor's leads from a spreadsheet file (CSV or XLSX) before anything is written.

``read_rows`` turns an upload into its header and its rows of text, or refuses the file with a
``ValidationError({"file": message})`` that tells the person what is wrong and what to do instead: too large,
empty, not a CSV or Excel file (the type is read from the content, not only from the name), not UTF-8 text,
more rows than an import takes. ``read_leads`` then maps the header to lead fields (case, spaces and
punctuation do not matter, and the names that CRM and spreadsheet exports use are understood) and gives each
row as lead fields with its spreadsheet row number (the header is row 1).

Formulas are never evaluated nor stored: an XLSX formula cell, and any cell whose text a spreadsheet would run
(it begins with =, +, -, @, a tab or a line break: ``core.spreadsheets``, which every export shares), is
reported on its row (``Row.problems``) and read as empty. Numbers (``-5``) and phone numbers (``+1 555 0100``)
are values, not formulas, and are kept. The country is read from its ISO code (``DE``, ``DEU``) or its English
name (``Germany``); a country that is none of these is reported on its row.

CSV: UTF-8 with or without a byte order mark, or UTF-16 with one; comma, semicolon or tab separated (or as
an Excel ``sep=`` first line says). Other encodings (Windows-1252, Latin-1, …) are refused rather than
guessed, so a name is never stored garbled. XLSX: the first worksheet, up to the first long run of empty rows.
"""

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from core import places, spreadsheets

MAX_ROWS = 10_000
MAX_COLUMNS = 100
# A worksheet's formatting often runs far below its data: reading stops at this many empty rows in a row.
EMPTY_RUN = 100
# An XLSX file unpacks to at most this many times the upload limit (a larger one is a ZIP bomb).
MAX_UNPACKED_RATIO = 40
# The separator is guessed from the first lines only: csv.Sniffer takes quadratic time on some text.
SNIFF_LINES, SNIFF_CHARS = 20, 4096
EXTENSIONS = ("csv", "tsv", "txt", "xlsx")
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Excel .xls (and Word .doc)
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"), (b"\xff\xfe", "utf-16", "UTF-16"), (b"\xfe\xff", "utf-16", "UTF-16"))

REQUIRED = ("company", "contact_name", "country")
# Lead field → its name in messages (and the column name of the import template), then the other names for it.
LABELS = {
    "company": "Company",
    "contact_name": "Contact name",
    "contact_email": "Email",
    "contact_phone": "Phone",
    "country": "Country",
    "region": "State",
    "postcode": "Postcode",
    "products": "Products",
    "size": "Employees",
    "notes": "Notes",
}
ALIASES = {
    "company": ("company name", "account", "account name", "organization", "organisation", "customer"),
    "contact_name": ("contact", "full name", "name", "contact person"),
    "contact_email": ("contact email", "e-mail", "email address", "e-mail address", "mail"),
    "contact_phone": ("contact phone", "phone number", "telephone", "tel", "mobile", "mobile phone"),
    "country": ("country code", "country iso", "iso country"),
    "region": ("region", "state/region", "state or region", "province", "state/province", "county"),
    "postcode": ("zip", "zip code", "postal code", "post code"),
    "products": ("product", "product skus", "product sku", "skus", "sku", "product interest", "products of interest"),
    "size": ("company size", "size", "number of employees", "employee count", "headcount"),
    "notes": ("description", "comments", "comment", "note"),
    # Exports that split the contact's name: read together as the contact name when there is no full name.
    "first_name": ("first name", "given name", "firstname"),
    "last_name": ("last name", "surname", "family name", "lastname"),
}
NAME_PARTS = ("first_name", "last_name")
FORMULA = "Formulas are not imported: type the value itself."
# A cell that starts as a formula does, but with another character than "=".
FORMULA_START = "Starts with “{}”, which a spreadsheet reads as a formula: type the value without it."
NOT_A_COUNTRY = "“{}” is not a country: use its two-letter ISO code (e.g. DE or US) or its English name."
NOT_UTF8 = "save it as CSV UTF-8 from your spreadsheet, or upload .xlsx"


def _key(header: str) -> str:
    """``"E-mail Address"``, ``"email_address"`` and ``" EmailAddress "`` are the same column."""
    return "".join(ch for ch in header.casefold() if ch.isalnum())


FIELD_OF = {_key(name): field for field, names in ALIASES.items() for name in names}
FIELD_OF.update({_key(field): field for field in LABELS} | {_key(label): field for field, label in LABELS.items()})


def max_bytes() -> int:
    return settings.ONEPANE_LEAD_IMPORT_MAX_BYTES


def _refuse(message: str):
    return ValidationError({"file": message})


# --- the file --------------------------------------------------------------------------------------------------


def read_rows(upload) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """``(header, rows)`` of a CSV or XLSX upload: the header's cells, and each non-empty row below it as
    ``(its row number in the spreadsheet, its cells as text)``. Formula cells come as their text, with "=".

    Refuses, with ``ValidationError({"file": message})``, anything that is not such a file."""
    name = filename(upload)
    data = upload.read(max_bytes() + 1)
    upload.seek(0)
    if len(data) > max_bytes():
        size = max(getattr(upload, "size", 0) or 0, len(data))
        raise _refuse(
            f"{name} is {filesizeformat(size)}; an import can be at most {filesizeformat(max_bytes())}. "
            "Split it into smaller files."
        )
    if not data:
        raise _refuse(f"{name} is empty.")
    if data.startswith(OLE):
        raise _refuse(f"{name} is an old Excel .xls workbook: save it as .xlsx (Excel Workbook) or CSV UTF-8.")
    if data.startswith(ZIP):
        return _collect(name, _xlsx_rows(name, data), stop_after_empty=EMPTY_RUN)
    if name.lower().endswith(".xlsx"):
        raise _refuse(
            f"{name} is not an Excel workbook, whatever its name says: save it from your spreadsheet as .xlsx "
            "or as CSV UTF-8."
        )
    return _collect(name, _csv_rows(name, _decode(name, data)), stop_after_empty=None)


def filename(upload) -> str:
    """The upload's base name, checked: one of the extensions an import reads."""
    name = os.path.basename((getattr(upload, "name", "") or "").replace("\\", "/")).strip()
    if not name:
        raise _refuse("The file has no name.")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EXTENSIONS:
        raise _refuse(f"{name}: upload a .csv or .xlsx file, as your spreadsheet or CRM exports it.")
    return name[:200]


def _collect(name: str, cells_by_row, *, stop_after_empty: int | None):
    header, rows, empty = None, [], 0
    for number, cells in cells_by_row:
        if not any(cell.strip() for cell in cells):
            empty += 1
            if stop_after_empty and empty >= stop_after_empty:
                break
            continue
        empty = 0
        if header is None:
            header = [cell.strip() for cell in cells]
            continue
        if len(rows) == MAX_ROWS:
            raise _refuse(
                f"{name} has more than {MAX_ROWS:,} rows of leads: split it into files of at most {MAX_ROWS:,}."
            )
        rows.append((number, cells))
    if header is None:
        raise _refuse(f"{name} has nothing in it: the first row names the columns, each row below is a lead.")
    if not rows:
        raise _refuse(f"{name} has a header row but no leads under it.")
    while header and not header[-1]:
        header.pop()
    return header, rows


def _decode(name: str, data: bytes) -> str:
    for bom, encoding, label in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise _refuse(f"{name} is not {label} text, though it starts as if it were: {NOT_UTF8}.") from None
            break
    else:
        if b"\x00" in data:
            raise _refuse(f"{name} is not a CSV file (it holds binary data): upload a CSV or an Excel .xlsx file.")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _refuse(f"{name} is not UTF-8 text (line {line} has a character that is not): {NOT_UTF8}.") from None
    if "\x00" in text:
        raise _refuse(f"{name} is not a CSV file (it holds binary data): upload a CSV or an Excel .xlsx file.")
    return text


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: as the start of the file shows (the header line decides a doubt)."""
    sample = "".join(text[:SNIFF_CHARS].splitlines(keepends=True)[:SNIFF_LINES])
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]  # whole lines only
    header = sample.splitlines()[0] if sample else ""
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in header:
        return delimiter
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_rows(name: str, text: str):
    hint = re.match(r"sep=(.)\r?\n", text)  # Excel's own first line naming the separator; not a row
    if hint:
        delimiter, text = hint.group(1), text[hint.end() :]
    else:
        delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells[:MAX_COLUMNS]
    except csv.Error as exc:
        raise _refuse(f"{name} could not be read as CSV (row {number + 1}: {exc}).") from None


# --- XLSX ------------------------------------------------------------------------------------------------------


def _xlsx_rows(name: str, data: bytes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise _refuse(f"{name} could not be read: the file is damaged. Save it again as .xlsx or CSV UTF-8.") from None
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise _refuse(f"{name} is a ZIP archive, not an Excel workbook: upload the .xlsx file itself, or a CSV.")
    if sum(m.file_size for m in members) > MAX_UNPACKED_RATIO * max_bytes():
        raise _refuse(f"{name} unpacks to more than an import can read: split it into smaller files.")
    unreadable = f"{name} could not be read as an Excel workbook: open it in your spreadsheet and save it as .xlsx."
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:
        raise _refuse(unreadable) from None
    try:
        if not workbook.worksheets:
            raise _refuse(f"{name} has no worksheet.")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the size some programs write is wrong: read the rows themselves
        try:
            for number, cells in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1):
                yield number, [_cell_text(cell) for cell in cells]
        except ValidationError:
            raise
        except Exception:
            raise _refuse(unreadable) from None
    finally:
        workbook.close()


def _cell_text(cell) -> str:
    value = cell.value
    if cell.data_type == "f":
        text = value if isinstance(value, str) else str(getattr(value, "text", "") or "")
        return text if text.startswith("=") else f"={text}"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 49891234567.0 is the phone number 49891234567
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# --- lead fields -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    number: int  # in the spreadsheet: the header is row 1
    data: dict[str, str]  # lead field → text (a formula cell reads as empty)
    problems: dict[str, str] = dataclass_field(default_factory=dict)  # lead field → what is wrong with its cell


@dataclass(frozen=True)
class Leads:
    filename: str
    columns: dict[str, str]  # lead field → the file's column it is read from
    ignored: list[str]  # the file's columns that are not read
    rows: list[Row]


def map_columns(name: str, header: list[str]) -> tuple[dict[str, int], list[str]]:
    """``({lead field: column index}, [ignored column names])``; refuses a header without the required columns
    or with two columns for one field."""
    positions: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        if not title:
            continue
        field = FIELD_OF.get(_key(title))
        if field is None:
            ignored.append(title)
        elif field in positions:
            raise _refuse(
                f"{name} has two columns for the {_label(field).lower()}: “{header[positions[field]]}” and "
                f"“{title}”. Keep one of them."
            )
        else:
            positions[field] = index
    if "contact_name" in positions:
        for part in NAME_PARTS:
            if part in positions:
                ignored.append(header[positions.pop(part)])
    missing = [
        LABELS[f]
        for f in REQUIRED
        if f not in positions and not (f == "contact_name" and any(p in positions for p in NAME_PARTS))
    ]
    if missing:
        found = ", ".join(f"“{title}”" for title in header if title) or "none"
        raise _refuse(
            f"{name} has no column for: {', '.join(missing)}. Its columns: {found}. "
            f"The columns an import reads: {', '.join(LABELS.values())}."
        )
    return positions, ignored


def _label(field: str) -> str:
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def read_leads(upload) -> Leads:
    """The upload's rows as lead fields (see the module's docstring); file-level problems are refused."""
    name = filename(upload)
    header, raw_rows = read_rows(upload)
    positions, ignored = map_columns(name, header)
    columns = {field: header[index] for field, index in positions.items() if field not in NAME_PARTS}
    parts = [p for p in NAME_PARTS if p in positions]
    if parts:
        columns["contact_name"] = " + ".join(header[positions[p]] for p in parts)
    rows = []
    for number, cells in raw_rows:
        data, problems = {}, {}
        for field, index in positions.items():
            text = cells[index].strip() if index < len(cells) else ""
            start = spreadsheets.formula_start(text)
            if start:
                message = FORMULA if start == "=" else FORMULA_START.format(start)
                problems.setdefault("contact_name" if field in NAME_PARTS else field, message)
                text = ""
            data[field] = text
        if parts:
            data["contact_name"] = " ".join(text for text in (data.pop(p) for p in parts) if text)
        if data.get("size"):
            data["size"] = size_bucket(data["size"])
        if data.get("country"):
            code = places.country_code(data["country"], names=True)
            if not code:
                problems["country"] = NOT_A_COUNTRY.format(data["country"][:40])
            data["country"] = code
        rows.append(Row(number=number, data=data, problems=problems))
    return Leads(filename=name, columns=columns, ignored=ignored, rows=rows)


SIZE_BUCKETS = ((49, "1-49"), (249, "50-249"), (999, "250-999"))


def size_bucket(text: str) -> str:
    """An employee count (``120``, ``"1,200"``) as the lead's size band; a band as written in another style
    (``"50 – 249"``, ``"1,000+"``) as ours. Anything else is returned as it is, for the check to report."""
    compact = re.sub(r"[\s,]", "", text).replace("–", "-").replace("—", "-")
    if compact.isdigit():
        count = int(compact)
        if count < 1:
            return text
        return next((band for limit, band in SIZE_BUCKETS if count <= limit), "1000+")
    return compact
