"""Importing a vendor's leads from a CSV or XLSX file: the report a person reads (row by row, in the
spreadsheet's row numbers), files refused as a whole (wrong columns, encodings, junk, the wrong type), and the
confirm step that imports every valid row or none."""

import io
import os
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from leads import imports, selectors, services
from leads.models import Lead, LeadEvent, LeadImport, LeadOffer
from vendors.models import Product

pytestmark = pytest.mark.django_db
Status = Lead.Status

HEADER = "Company,Contact name,E-mail,Phone,Country,State,Zip,Product SKUs,Employees,Notes"


def csv_upload(text: str, name="leads.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_upload(rows, name="leads.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def stage(w, upload, actor=None) -> LeadImport:
    return services.lead_import_stage(actor=actor or w.manager, vendor=w.acme, upload=upload)


def refused(w, upload) -> str:
    """The message a person sees for a file refused as a whole; nothing is written."""
    with pytest.raises(ValidationError) as caught:
        stage(w, upload)
    assert not LeadImport.objects.exists() and not Lead.objects.exists()
    (message,) = caught.value.message_dict["file"]
    return message


def report(lead_import: LeadImport) -> dict[tuple[int, str], str]:
    return {(e["row"], e["field"]): e["message"] for e in lead_import.errors}


# --- good files ----------------------------------------------------------------------------------------------


def test_a_good_csv_is_checked_and_waits_for_confirmation(world):
    w = world
    upload = csv_upload(
        f"{HEADER}\r\n"
        'Waystar Health,Ana Diaz,ana@waystar.example,+1 512 555 0100,us,TX,78701,"ACM-R100, ACM-S48",120,'
        '"Call after 5pm, ask for Ana"\r\n'
        "Pied Piper,Richard Hendricks,,-12,United States,CA,94025,,1000+,Richard on the partner Slack\r\n"
    )
    staged = stage(w, upload)
    assert (staged.status, staged.filename, staged.created_by) == (LeadImport.Status.PENDING, "leads.csv", w.manager)
    assert (staged.total_rows, staged.valid_rows, staged.invalid_rows, staged.errors) == (2, 2, 0, [])
    assert staged.columns["contact_email"] == "E-mail" and staged.columns["postcode"] == "Zip"
    assert staged.ignored_columns == []
    first, second = staged.rows
    assert first["row"] == 2 and second["row"] == 3
    assert first["country"] == "US" and first["products"] == ["ACM-R100", "ACM-S48"] and first["size"] == "50-249"
    # A phone number and a number start with + or - and are values, kept as typed (the prefixes that make text a
    # formula are tested in test_text_a_spreadsheet_would_run_is_refused_on_its_row); a country by its name.
    assert first["contact_phone"] == "+1 512 555 0100" and second["contact_phone"] == "-12"
    assert first["notes"] == "Call after 5pm, ask for Ana"
    assert second["country"] == "US"
    assert not Lead.objects.exists()  # nothing is imported before the person confirms


def test_a_good_xlsx_with_numbers_and_split_names(world):
    w = world
    upload = xlsx_upload(
        [
            ["Account Name", "First Name", "Last Name", "Email Address", "Mobile", "Country Code", "Postal Code"],
            ["Waystar Health", "Ana", "Diaz", "ana@waystar.example", 4915112345678, "DE", 10115],
            ["Hooli XYZ", "Gavin", "", None, None, "at", None],
        ]
    )
    staged = stage(w, upload)
    assert (staged.total_rows, staged.valid_rows, staged.invalid_rows) == (2, 2, 0)
    assert staged.columns["contact_name"] == "First Name + Last Name"
    first, second = staged.rows
    assert (first["company"], first["contact_name"], first["contact_phone"]) == (
        "Waystar Health",
        "Ana Diaz",
        "4915112345678",
    )
    assert (first["postcode"], second["contact_name"], second["country"]) == ("10115", "Gavin", "AT")


def test_confirming_imports_exactly_the_valid_rows_and_routes_them(world):
    w = world
    staged = stage(
        w,
        csv_upload(
            "Company,Contact,Country,State,Products\n"
            "Waystar Health,Ana Diaz,US,TX,ACM-R100\n"
            "Bad Row Inc,Bo Bad,Narnia,,\n"
            "Hooli XYZ,Gavin Belson,DE,,\n"
            "Initrode,Jo Switch,US,CA,ACM-S48\n"
        ),
    )
    assert (staged.valid_rows, staged.invalid_rows) == (3, 1)
    leads = services.lead_import_confirm(actor=w.manager, lead_import=staged)
    assert [lead.company for lead in leads] == ["Waystar Health", "Hooli XYZ", "Initrode"]
    assert [lead.partner for lead in leads] == [w.lonestar, w.hooli, w.initech]
    assert all(lead.status == Status.OFFERED for lead in leads)
    assert LeadOffer.objects.filter(lead__in=leads, outcome=LeadOffer.Outcome.PENDING).count() == 3
    assert Lead.objects.count() == 3 and not Lead.objects.filter(company="Bad Row Inc").exists()
    assert list(leads[2].products.values_list("sku", flat=True)) == ["ACM-S48"]
    assert (staged.status, staged.imported_count, staged.decided_by) == (LeadImport.Status.IMPORTED, 3, w.manager)
    assert staged.lead_ids == [lead.pk for lead in leads] and staged.imported_at is not None


def test_confirming_without_routing_leaves_the_leads_waiting(world):
    w = world
    staged = stage(w, csv_upload("Company,Contact,Country\nWaystar Health,Ana Diaz,US\n"))
    (lead,) = services.lead_import_confirm(actor=w.manager, lead_import=staged, route=False)
    assert (lead.status, lead.partner) == (Status.UNASSIGNED, None) and not LeadOffer.objects.exists()


# --- the report, row by row ----------------------------------------------------------------------------------


def test_the_report_names_each_bad_row_and_field_as_the_spreadsheet_numbers_them(world):
    w = world
    upload = csv_upload(
        f"{HEADER}\n"
        "Waystar Health,Ana Diaz,ana@waystar.example,,US,TX,,ACM-R100,,\n"  # row 2: fine
        "Bad Country,Bo,,,Narnia,,,,,\n"  # row 3
        "Bad Sku,Cy,,,US,,,ACM-R100; NOPE-1,,\n"  # row 4
        "Bad Email,Di,not-an-email,,US,,,,,\n"  # row 5
        '"=HYPERLINK(""http://evil.example"",""Click"")",Ed,,,US,,,,,\n'  # row 6: a formula in the company
        ",Fay,,,US,,,,,\n"  # row 7: no company
        "Many Problems,,x@,,,,,,lots,=1+2\n"  # row 8
    )
    staged = stage(w, upload)
    assert (staged.total_rows, staged.valid_rows, staged.invalid_rows) == (7, 1, 6)
    assert report(staged) == {
        (3, "country"): "“Narnia” is not a country: use its two-letter ISO code (e.g. DE or US) or its English name.",
        (4, "products"): "Not in Acme Networks's catalog: NOPE-1.",
        (5, "contact_email"): "Enter a valid email address.",
        (6, "company"): "Formulas are not imported: type the value itself.",
        (7, "company"): "This field is required.",
        (8, "contact_name"): "This field is required.",
        (8, "contact_email"): "Enter a valid email address.",
        (8, "country"): "This field is required.",
        (8, "size"): "One of: 1-49, 50-249, 250-999, 1000+ (or empty).",
        (8, "notes"): "Formulas are not imported: type the value itself.",
    }
    # Each problem names the column the person typed it in; in the file's order within a row.
    assert [(e["field"], e["column"]) for e in staged.errors if e["row"] == 8] == [
        ("contact_name", "Contact name"),
        ("contact_email", "E-mail"),
        ("country", "Country"),
        ("size", "Employees"),
        ("notes", "Notes"),
    ]
    assert [row["company"] for row in staged.rows] == ["Waystar Health"]
    # The formulas are stored nowhere, not even in the report.
    stored = str(LeadImport.objects.values_list("rows", "errors").get())
    assert "HYPERLINK" not in stored and "1+2" not in stored


def test_formula_cells_of_an_xlsx_are_reported_never_evaluated(world):
    w = world
    upload = xlsx_upload(
        [
            ["Company", "Contact name", "Country", "Notes", "Owner"],
            ["Waystar Health", "Ana Diaz", "US", "=1+1", "=A1"],  # a formula in an ignored column does not matter
            ["Pied Piper", '=CONCAT("Rich","ard")', "US", "fine", None],
            [None, None, None, None, None],  # an empty row is skipped; the numbers stay the spreadsheet's
            ["Hooli XYZ", "Gavin Belson", "DE", "Call first: +49 89 1234567", None],
        ]
    )
    staged = stage(w, upload)
    assert report(staged) == {
        (2, "notes"): "Formulas are not imported: type the value itself.",
        (3, "contact_name"): "Formulas are not imported: type the value itself.",
    }
    assert (staged.total_rows, staged.valid_rows, staged.invalid_rows) == (3, 1, 2)
    (row,) = staged.rows
    assert (row["row"], row["company"], row["notes"]) == (5, "Hooli XYZ", "Call first: +49 89 1234567")


def test_unknown_columns_are_listed_as_ignored(world):
    w = world
    staged = stage(w, csv_upload("Lead source,COMPANY,contact_name,country ,Owner\nWebinar,Waystar,Ana,US,Bob\n"))
    assert staged.ignored_columns == ["Lead source", "Owner"]
    assert staged.columns == {"company": "COMPANY", "contact_name": "contact_name", "country": "country"}
    assert staged.valid_rows == 1 and staged.errors == []


def test_a_file_with_no_valid_row_is_reported_and_cannot_be_confirmed(world):
    w = world
    staged = stage(w, csv_upload("Company,Contact,Country\nWaystar,Ana,ZZ\n"))
    assert (staged.valid_rows, staged.invalid_rows) == (0, 1)
    with pytest.raises(ValidationError) as caught:
        services.lead_import_confirm(actor=w.manager, lead_import=staged)
    assert "No row of leads.csv can be imported" in caught.value.messages[0]
    assert not Lead.objects.exists()


def test_a_long_report_lists_the_first_problems_and_counts_them_all(world, monkeypatch):
    w = world
    monkeypatch.setattr(services, "MAX_REPORTED_ERRORS", 3)
    staged = stage(w, csv_upload("Company,Contact,Country\n" + "Waystar,Ana,ZZ\n" * 5))
    assert (len(staged.errors), staged.more_errors, staged.invalid_rows) == (3, 2, 5)


# --- files refused as a whole --------------------------------------------------------------------------------


def test_missing_columns_are_named_with_what_was_found(world):
    message = refused(world, csv_upload("Name,Email,Phone\nAna Diaz,ana@example.com,+1 555\n"))
    assert message.startswith("leads.csv has no column for: Company, Country. Its columns: “Name”, “Email”, “Phone”.")
    assert "Company, Contact name, Email, Phone, Country" in message


def test_two_columns_for_one_field_are_refused(world):
    message = refused(world, csv_upload("Company,Account,Contact,Country\nA,B,C,US\n"))
    assert message == "leads.csv has two columns for the company: “Company” and “Account”. Keep one of them."


def test_a_file_that_is_not_a_table_of_leads(world):
    message = refused(world, csv_upload("Dear partner,\nplease find our leads attached.\n"))
    assert "has no column for: Company, Contact name, Country" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "leads.csv is empty."),
        (b"\n\n  \n", "leads.csv has nothing in it: the first row names the columns, each row below is a lead."),
        (b"Company,Contact,Country\n,,\n", "leads.csv has a header row but no leads under it."),
    ],
)
def test_empty_files(world, content, expected):
    assert refused(world, SimpleUploadedFile("leads.csv", content)) == expected


def test_a_cell_longer_than_any_lead_field(world):
    message = refused(world, csv_upload('Company,Contact,Country\nWaystar,Ana,US\n"' + "x" * 200_000 + '",Bo,US\n'))
    assert message.startswith("leads.csv could not be read as CSV (row 3: field larger than field limit")


def test_more_rows_than_an_import_takes(world, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    message = refused(world, csv_upload("Company,Contact,Country\n" + "Waystar,Ana,US\n" * 4))
    assert message == "leads.csv has more than 3 rows of leads: split it into files of at most 3."


# --- encodings and separators --------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark(world):
    """Excel's "CSV UTF-8" starts with a BOM: it is not part of the first column's name."""
    staged = stage(world, csv_upload("\ufeffCompany,Contact,Country\nMüller & Söhne GmbH,Zoë Ærø,DE\n"))
    assert staged.columns["company"] == "Company"
    assert (staged.rows[0]["company"], staged.rows[0]["contact_name"]) == ("Müller & Söhne GmbH", "Zoë Ærø")


@pytest.mark.parametrize(
    "text",
    [
        "Company;Contact;Country;Notes;Products\nWaystar, Inc.;Ana Diaz;US;Call, then mail;ACM-R100,ACM-S48\n",
        "Company\tContact\tCountry\tNotes\tProducts\nWaystar, Inc.\tAna Diaz\tUS\tCall, then mail\tACM-R100,ACM-S48\n",
        "sep=;\nCompany;Contact;Country;Notes;Products\nWaystar, Inc.;Ana Diaz;US;Call, then mail;ACM-R100,ACM-S48\n",
    ],
    ids=["semicolon", "tab", "excel-sep-line"],
)
def test_semicolon_and_tab_separated_files(world, text):
    staged = stage(world, csv_upload(text))
    (row,) = staged.rows
    assert (row["row"], row["company"], row["notes"]) == (2, "Waystar, Inc.", "Call, then mail")
    assert row["products"] == ["ACM-R100", "ACM-S48"]


def test_utf16_as_excel_saves_unicode_text(world):
    staged = stage(world, csv_upload("Company\tContact\tCountry\r\nŁódź Systemy\tŁucja Żak\tPL\r\n", encoding="utf-16"))
    assert (staged.rows[0]["company"], staged.rows[0]["contact_name"]) == ("Łódź Systemy", "Łucja Żak")


def test_windows_1252_is_refused_rather_than_guessed(world):
    """A name must not be stored garbled: the person is told how to save the file instead."""
    upload = csv_upload("Company,Contact,Country\nWaystar,Ana,US\nMüller GmbH,Jörg,DE\n", encoding="cp1252")
    assert refused(world, upload) == (
        "leads.csv is not UTF-8 text (line 3 has a character that is not): save it as CSV UTF-8 from your "
        "spreadsheet, or upload .xlsx."
    )


# --- junk and files of the wrong type ------------------------------------------------------------------------


def test_ten_megabytes_of_junk_are_refused_by_size(world):
    junk = SimpleUploadedFile("leads.csv", os.urandom(10 * 1024 * 1024))
    assert refused(world, junk) == (
        "leads.csv is 10.0\xa0MB; an import can be at most 5.0\xa0MB. Split it into smaller files."
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("leads.csv", "leads.csv is not a CSV file (it holds binary data): upload a CSV or an Excel .xlsx file."),
        ("leads.xlsx", "leads.xlsx is not an Excel workbook, whatever its name says"),
    ],
)
def test_junk_under_the_size_limit_is_refused_by_its_content(world, settings, name, expected):
    settings.ONEPANE_LEAD_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    junk = os.urandom(10 * 1024 * 1024)
    junk = junk if not junk.startswith((imports.ZIP, imports.OLE)) else b"x" + junk
    assert refused(world, SimpleUploadedFile(name, junk)).startswith(expected)


def test_a_binary_file_renamed_csv(world):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 8
    assert refused(world, SimpleUploadedFile("leads.csv", png)) == (
        "leads.csv is not a CSV file (it holds binary data): upload a CSV or an Excel .xlsx file."
    )


def test_a_zip_that_is_not_a_workbook(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("leads.csv", "Company,Contact,Country\nWaystar,Ana,US\n")
    message = refused(world, SimpleUploadedFile("leads.xlsx", buffer.getvalue()))
    assert message == "leads.xlsx is a ZIP archive, not an Excel workbook: upload the .xlsx file itself, or a CSV."


def test_a_damaged_workbook(world):
    good = xlsx_upload([["Company", "Contact", "Country"], ["Waystar", "Ana", "US"]]).read()
    message = refused(world, SimpleUploadedFile("leads.xlsx", good[: len(good) // 2]))
    assert message == "leads.xlsx could not be read: the file is damaged. Save it again as .xlsx or CSV UTF-8."


def test_an_old_xls_workbook(world):
    xls = imports.OLE + b"\x00" * 512
    assert refused(world, SimpleUploadedFile("leads.xls", xls)).startswith("leads.xls: upload a .csv or .xlsx file")
    assert refused(world, SimpleUploadedFile("leads.csv", xls)) == (
        "leads.csv is an old Excel .xls workbook: save it as .xlsx (Excel Workbook) or CSV UTF-8."
    )


def test_a_workbook_named_csv_is_read_as_the_workbook_it_is(world):
    """The type is read from the content: an .xlsx renamed .csv still imports."""
    upload = xlsx_upload([["Company", "Contact", "Country"], ["Waystar", "Ana", "US"]], name="leads.csv")
    assert stage(world, upload).valid_rows == 1


def test_other_types_of_file_are_refused_by_name(world):
    message = refused(world, SimpleUploadedFile("leads.pdf", b"%PDF-1.7\n"))
    assert message == "leads.pdf: upload a .csv or .xlsx file, as your spreadsheet or CRM exports it."


def test_a_worksheet_ends_at_a_long_run_of_empty_rows(world):
    rows = [["Company", "Contact", "Country"], ["Waystar", "Ana", "US"]]
    rows += [[None, None, None]] * imports.EMPTY_RUN + [["Far Below", "Nobody", "US"]]
    staged = stage(world, xlsx_upload(rows))
    assert [row["company"] for row in staged.rows] == ["Waystar"]


# --- confirming, once, all or nothing ------------------------------------------------------------------------


def _staged(w) -> LeadImport:
    return stage(
        w,
        csv_upload("Company,Contact,Country,State,Products\nWaystar,Ana,US,TX,ACM-R100\nInitrode,Jo,US,CA,ACM-S48\n"),
    )


def test_a_second_confirm_is_refused_not_imported_twice(world):
    w = world
    staged = _staged(w)
    services.lead_import_confirm(actor=w.manager, lead_import=staged)
    again = LeadImport.objects.get(pk=staged.pk)  # as a second page, or a double click, would hold it
    again.status = LeadImport.Status.PENDING
    with pytest.raises(ValidationError) as caught:
        services.lead_import_confirm(actor=w.manager, lead_import=again)
    assert "leads.csv was already imported on" in caught.value.messages[0]
    assert "(2 leads): it is not imported twice." in caught.value.messages[0]
    assert Lead.objects.count() == 2


def test_discarding_creates_nothing_and_forgets_the_rows(world):
    w = world
    staged = _staged(w)
    services.lead_import_discard(actor=w.manager, lead_import=staged)
    assert (staged.status, staged.rows, staged.valid_rows) == (LeadImport.Status.DISCARDED, [], 2)
    services.lead_import_discard(actor=w.manager, lead_import=staged)  # a second discard changes nothing
    with pytest.raises(ValidationError) as caught:
        services.lead_import_confirm(actor=w.manager, lead_import=staged)
    assert caught.value.messages == ["leads.csv was discarded: upload the file again to import it."]
    assert not Lead.objects.exists()


def test_an_imported_file_cannot_be_discarded(world):
    w = world
    staged = _staged(w)
    services.lead_import_confirm(actor=w.manager, lead_import=staged)
    with pytest.raises(ValidationError):
        services.lead_import_discard(actor=w.manager, lead_import=staged)
    assert LeadImport.objects.get().status == LeadImport.Status.IMPORTED and Lead.objects.count() == 2


def test_a_row_that_no_longer_passes_stops_the_whole_import(world):
    """The catalog changed between the check and the confirm: nothing is imported, the row is named."""
    w = world
    staged = _staged(w)
    Product.objects.filter(pk=w.switch.pk).update(active=False)
    with pytest.raises(services.RowErrors) as caught:
        services.lead_import_confirm(actor=w.manager, lead_import=staged)
    assert caught.value.messages == ["Row 3, products: Not in Acme Networks's catalog: ACM-S48."]
    assert not Lead.objects.exists() and not LeadEvent.objects.exists()
    assert LeadImport.objects.get().status == LeadImport.Status.PENDING


def test_a_failure_while_confirming_leaves_no_lead(world, monkeypatch):
    w = world
    staged = _staged(w)

    def routing_fails(*args, **kwargs):
        raise RuntimeError("routing failed")

    monkeypatch.setattr(services, "_route_loaded", routing_fails)
    with pytest.raises(RuntimeError):
        services.lead_import_confirm(actor=w.manager, lead_import=staged)
    assert not Lead.objects.exists() and not LeadEvent.objects.exists() and not LeadOffer.objects.exists()
    staged.refresh_from_db()
    assert (staged.status, staged.imported_count, staged.lead_ids) == (LeadImport.Status.PENDING, 0, [])


# --- who may import, and who sees the imports ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["initech_rep", "acme_member", "globex_manager"])
def test_only_the_vendors_managers_stage_and_confirm(world, who):
    w = world
    with pytest.raises(PermissionDenied):
        stage(w, csv_upload("Company,Contact,Country\nWaystar,Ana,US\n"), actor=getattr(w, who))
    staged = _staged(w)
    with pytest.raises(PermissionDenied):
        services.lead_import_confirm(actor=getattr(w, who), lead_import=staged)
    with pytest.raises(PermissionDenied):
        services.lead_import_discard(actor=getattr(w, who), lead_import=staged)
    assert LeadImport.objects.get().status == LeadImport.Status.PENDING and not Lead.objects.exists()


def test_imports_are_seen_by_their_vendor_only(world):
    w = world
    staged = _staged(w)
    assert list(selectors.imports_visible_to(w.manager)) == [staged]
    assert list(selectors.imports_visible_to(w.acme_member)) == [staged]
    assert not selectors.imports_visible_to(w.globex_manager).exists()
    assert not selectors.imports_visible_to(w.initech_rep).exists()  # a partner sees no vendor's imports


# --- text a spreadsheet would run, and countries ----------------------------------------------------------------

FORMULA_PAYLOAD = 'HYPERLINK("http://evil.example","Click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_text_a_spreadsheet_would_run_is_refused_on_its_row(world, start):
    """Each character that starts a formula is refused as ``=`` is, in any column, and stored nowhere."""
    upload = xlsx_upload(
        [
            ["Company", "Contact name", "Country", "Notes"],
            [f"{start}{FORMULA_PAYLOAD}", "Ana Diaz", "US", ""],
            ["Pied Piper", f"{start}SUM(A1:A9)", "US", ""],
            ["Hooli", "Gavin Belson", "US", f"{start} call first"],
            ["Waystar Health", "Ana Diaz", "US", "fine"],
        ]
    )
    staged = stage(world, upload)
    message = imports.FORMULA if start == "=" else imports.FORMULA_START.format(start)
    assert report(staged) == {(2, "company"): message, (3, "contact_name"): message, (4, "notes"): message}
    assert [row["company"] for row in staged.rows] == ["Waystar Health"]
    stored = str(LeadImport.objects.values_list("rows", "errors").get())
    assert "HYPERLINK" not in stored and "SUM(" not in stored and "call first" not in stored


@pytest.mark.parametrize("start", ["\t", "\r"])
def test_a_tab_or_line_break_before_a_value_is_trimmed_and_what_follows_is_checked(world, start):
    upload = csv_upload(
        "Company,Contact name,Country\n"
        f'"{start}={FORMULA_PAYLOAD.replace(chr(34), chr(34) * 2)}",Ana Diaz,US\n'
        f'"{start}Waystar Health",Ana Diaz,US\n'
    )
    staged = stage(world, upload)
    assert report(staged) == {(2, "company"): imports.FORMULA}
    assert [row["company"] for row in staged.rows] == ["Waystar Health"]


def test_numbers_and_phone_numbers_are_values_not_formulas(world):
    """``+1 555 0100`` is the phone a person typed (the export adds the apostrophe on the way out); ``-5`` is a
    number, checked as one."""
    upload = xlsx_upload(
        [
            ["Company", "Contact name", "Phone", "Country", "Employees", "Postcode"],
            ["Waystar Health", "Ana Diaz", "+1 555 0100", "US", 120, "-0042"],
            ["Pied Piper", "Richard Hendricks", "+44 (20) 7946-0958", "GB", "", ""],
            ["Hooli", "Gavin Belson", "", "US", -5, ""],
        ]
    )
    staged = stage(world, upload)
    assert report(staged) == {(4, "size"): "One of: 1-49, 50-249, 250-999, 1000+ (or empty)."}
    first, second = staged.rows
    assert (first["contact_phone"], first["size"], first["postcode"]) == ("+1 555 0100", "50-249", "-0042")
    assert second["contact_phone"] == "+44 (20) 7946-0958"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("DE", "DE"), ("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("germany", "DE"), ("United States", "US"),
     ("USA", "US"), ("U.S.", "US"), ("United Kingdom", "GB"), ("UK", "GB"), ("The Netherlands", "NL")],
)  # fmt: skip
def test_a_country_is_read_from_its_code_or_its_name(world, typed, code):
    staged = stage(world, csv_upload(f"Company,Contact,Country\nWaystar,Ana,{typed}\n"))
    assert staged.errors == [] and staged.rows[0]["country"] == code


@pytest.mark.parametrize("typed", ["ZZ", "XX", "Narnia", "Europe", "U1"])
def test_a_country_that_is_none_is_reported_on_its_row(world, typed):
    staged = stage(world, csv_upload(f"Company,Contact,Country\nWaystar,Ana,{typed}\nHooli,Gavin,DE\n"))
    assert report(staged) == {(2, "country"): imports.NOT_A_COUNTRY.format(typed)}
    assert [row["company"] for row in staged.rows] == ["Hooli"]
