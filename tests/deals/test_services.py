"""The deal services: the whole lifecycle and its history, bad input that writes nothing, who may do what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deals import selectors, services
from deals.models import DealComment, DealEvent, DealRegistration
from tests import factories as f
from tests.deals.service_helpers import counts, files_under, fresh, later, pdf, today, upload
from vendors import services as vendor_services
from vendors.models import Partnership

Status = DealRegistration.Status
Stage = DealRegistration.Stage
Queue = DealRegistration.Queue
Event = DealEvent.Kind

NOT_REGISTRABLE = "Choose one of your vendors: deals can be registered only where your partnership is active."


def history(deal):
    """``(kind, actor, organization, field, old, new, detail)`` of each event, oldest first."""
    return [
        (e.kind, e.actor, e.organization, e.field, e.old_value, e.new_value, e.detail)
        for e in DealEvent.objects.filter(deal=deal)
        .select_related("actor", "organization")
        .order_by("created_at", "id")
    ]


def field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def submitted(channel):
    """Initech's registration with Acme, under review."""
    return f.deal(channel.initech_rep, channel.initech, channel.acme, lines=[(channel.acme_router, 2)], submit=True)


@pytest.fixture
def two_tier(channel):
    """Initech's registration with Globex through Northwind, under review."""
    return f.deal(channel.initech_admin, channel.initech, channel.globex, lines=[(channel.globex_fw, 1)], submit=True)


# --- the lifecycle ------------------------------------------------------------------------------------------


def test_full_lifecycle_from_draft_to_won_is_recorded_with_who_when_and_old_and_new(channel):
    c = channel
    c.gold.deal_protection_days = 60
    c.gold.save()
    started = timezone.now()

    deal = f.deal(
        c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 3)], contact_phone="+1 555 0100", submit=False
    )
    assert (deal.status, deal.stage, deal.queue) == (Status.DRAFT, Stage.QUALIFYING, Queue.OTHER)
    assert (deal.vendor, deal.partner, deal.distributor, deal.partnership) == (c.acme, c.initech, None, c.initech_acme)
    assert (deal.customer_domain, deal.customer_domain_stem, deal.customer_name_key) == ("hooli.com", "hooli", "hooli")
    line = deal.lines.get()
    # Gold is 30 % off 1,299.99: 909.99 a unit, in the product's currency.
    assert (line.quantity, line.list_price, line.unit_price) == (3, Decimal("1299.99"), Decimal("909.99"))
    assert (deal.amount, deal.currency) == (Decimal("2729.97"), "USD")

    deal = services.deal_submit(actor=c.initech_rep, deal=deal)
    assert (deal.status, fresh(deal).queue) == (Status.SUBMITTED, Queue.REVIEW)
    assert deal.submitted_at is not None

    question = "Which sites are in scope, and who signs the order?"
    deal = services.deal_request_info(actor=c.acme_manager, deal=deal, question=question)
    assert (deal.status, fresh(deal).queue) == (Status.INFO_REQUESTED, Queue.REVIEW)
    # The question is in the thread the partner reads.
    thread = list(selectors.thread(c.initech_rep, deal))
    assert [(m.author, m.organization, m.body) for m in thread] == [(c.acme_manager, c.acme, question)]

    deal = services.deal_update(
        actor=c.initech_rep,
        deal=deal,
        changes={"contact_phone": "+1 555 0199", "notes": "Berlin and Paris; the CIO signs."},
    )
    services.deal_comment(actor=c.initech_rep, deal=deal, body="Answered in the notes.")
    deal = services.deal_submit(actor=c.initech_rep, deal=deal)
    assert deal.status == Status.SUBMITTED

    deal = services.deal_approve(actor=c.acme_manager, deal=deal, note="Go ahead.")
    expires = today() + timedelta(days=60)
    assert (deal.status, deal.protection_days, deal.expires_on) == (Status.APPROVED, 60, expires)
    assert (deal.decided_by, deal.decision_reason, fresh(deal).queue) == (c.acme_manager, "Go ahead.", Queue.OTHER)

    deal = services.deal_update(actor=c.initech_rep, deal=deal, changes={"stage": "won"})
    deal = fresh(deal)
    assert (deal.status, deal.stage) == (Status.APPROVED, Stage.WON)
    assert deal.closed_at is not None

    rep, manager = c.initech_rep, c.acme_manager
    assert history(deal) == [
        (Event.CREATED, rep, c.initech, "", "", "", "Registered with Acme Networks"),
        (Event.SUBMITTED, rep, c.initech, "status", "Draft", "Under review", ""),
        (Event.INFO_REQUESTED, manager, c.acme, "status", "Under review", "More information requested", question),
        (Event.CHANGED, rep, c.initech, "contact_phone", "+1 555 0100", "+1 555 0199", ""),
        (Event.CHANGED, rep, c.initech, "notes", "", "Berlin and Paris; the CIO signs.", ""),
        (Event.RESUBMITTED, rep, c.initech, "status", "More information requested", "Under review", ""),
        (
            Event.APPROVED,
            manager,
            c.acme,
            "status",
            "Under review",
            "Approved",
            f"Protected for 60 days, until {expires:%Y-%m-%d}. Go ahead.",
        ),
        (Event.CHANGED, rep, c.initech, "stage", "Qualifying", "Won", ""),
    ]
    stamps = list(DealEvent.objects.filter(deal=deal).order_by("id").values_list("created_at", flat=True))
    assert stamps == sorted(stamps)
    assert started <= stamps[0] and stamps[-1] <= timezone.now()
    # Both sides read the same history through the selector.
    assert selectors.history(c.acme_member, deal).count() == selectors.history(c.initech_admin, deal).count() == 8


def test_create_and_submit_at_once(channel):
    deal = f.deal(channel.initech_admin, channel.initech, channel.acme, lines=[(channel.acme_router, 1)], submit=True)
    assert deal.status == Status.SUBMITTED
    assert [e[0] for e in history(deal)] == [Event.CREATED, Event.SUBMITTED]


def test_protection_days_given_by_the_vendor_override_the_tier(channel, submitted):
    deal = services.deal_approve(actor=channel.acme_admin, deal=submitted, protection_days="120")
    assert (deal.protection_days, deal.expires_on) == (120, later(120))
    with pytest.raises(ValidationError) as exc:
        services.deal_approve(actor=channel.acme_admin, deal=submitted, protection_days=0)
    assert "protection_days" in field_errors(exc)


def test_reject_needs_a_reason_and_records_the_old_status(channel, submitted):
    c = channel
    with pytest.raises(ValidationError) as exc:
        services.deal_reject(actor=c.acme_admin, deal=submitted, reason="  ")
    assert field_errors(exc) == {"reason": ["This field is required."]}
    deal = services.deal_reject(actor=c.acme_admin, deal=submitted, reason="The customer buys direct.")
    assert (deal.status, deal.decision_reason, deal.decided_by) == (
        Status.REJECTED,
        "The customer buys direct.",
        c.acme_admin,
    )
    assert history(deal)[-1] == (Event.REJECTED, c.acme_admin, c.acme, "status", "Under review", "Rejected", "")
    # A decided registration cannot be decided again.
    with pytest.raises(ValidationError, match="not waiting for review"):
        services.deal_approve(actor=c.acme_admin, deal=deal)


def test_the_customer_cannot_change_once_the_vendor_has_it(channel, submitted):
    with pytest.raises(ValidationError) as exc:
        services.deal_update(actor=channel.initech_rep, deal=submitted, changes={"customer_name": "Globodyne"})
    assert field_errors(exc) == {
        "customer_name": ["The customer cannot be changed once the registration is with the vendor."]
    }
    assert fresh(submitted).customer_name == "Hooli Inc."


def test_lost_needs_a_reason_and_products_change_with_the_amount(channel, submitted):
    c = channel
    switch = f.ProductFactory(vendor=c.acme, sku="ACM-SW24", name="Switch 24", list_price=Decimal("100.00"))
    deal = services.deal_update(actor=c.initech_rep, deal=submitted, changes={"lines": [(switch.pk, "4")]})
    assert [(line.product, line.quantity) for line in deal.lines.all()] == [(switch, 4)]
    assert deal.amount == Decimal("280.00")  # 4 × 70.00 (Gold: 30 % off)
    assert history(deal)[-2:] == [
        (Event.CHANGED, c.initech_rep, c.initech, "products", "2 × ACM-R100", "4 × ACM-SW24", ""),
        (Event.CHANGED, c.initech_rep, c.initech, "amount", "1,819.98 USD", "280.00 USD", ""),
    ]
    with pytest.raises(ValidationError) as exc:
        services.deal_update(actor=c.initech_rep, deal=deal, changes={"stage": "lost"})
    assert field_errors(exc) == {"lost_reason": ["Say why the deal was lost."]}
    deal = services.deal_update(
        actor=c.initech_rep, deal=deal, changes={"stage": "lost", "lost_reason": "Went with a competitor."}
    )
    assert (deal.stage, deal.lost_reason) == (Stage.LOST, "Went with a competitor.")
    with pytest.raises(ValidationError) as exc:
        services.deal_update(actor=c.initech_rep, deal=deal, changes={"status": "approved"})
    assert "status" in field_errors(exc)


def test_a_change_to_nothing_new_records_nothing(channel, submitted):
    before = counts()
    services.deal_update(
        actor=channel.initech_rep, deal=submitted, changes={"title": submitted.title, "stage": "qualifying"}
    )
    assert counts() == before


def test_attachments_are_stored_and_recorded(channel, submitted, media):
    c = channel
    attachment = services.deal_attach(actor=c.initech_rep, deal=submitted, upload=pdf("rfp.pdf", 300))
    assert (attachment.name, attachment.size, attachment.content_type) == ("rfp.pdf", 300, "application/pdf")
    assert (attachment.uploaded_by, attachment.organization) == (c.initech_rep, c.initech)
    assert [p.name.endswith("-rfp.pdf") for p in files_under(media)] == [True]
    assert history(submitted)[-1] == (Event.ATTACHMENT_ADDED, c.initech_rep, c.initech, "", "", "", "rfp.pdf")


# --- bad input writes nothing ---------------------------------------------------------------------------------


def refused(exc_type=ValidationError, **kwargs):
    """Call ``f.deal`` expecting ``exc_type``; assert nothing was written; return the exception."""
    before = counts()
    with pytest.raises(exc_type) as exc:
        f.deal(**{"submit": False, **kwargs})
    assert counts() == before
    return exc.value


def test_unknown_product_and_another_vendors_product_get_the_same_answer(channel):
    c = channel
    ghost = 987654
    unknown = refused(actor=c.initech_rep, partner=c.initech, vendor=c.acme, lines=[(ghost, 1)])
    foreign = refused(actor=c.initech_rep, partner=c.initech, vendor=c.acme, lines=[(c.globex_fw, 1)])
    assert unknown.message_dict == {"lines": [f"Line 1: product {ghost} is not in Acme Networks's catalog."]}
    assert foreign.message_dict == {"lines": [f"Line 1: product {c.globex_fw.pk} is not in Acme Networks's catalog."]}
    # Nothing about the other vendor's product (its name, its vendor) leaks into the answer.
    assert "Firewall" not in str(foreign.message_dict) and "Globex" not in str(foreign.message_dict)


def test_quantity_must_be_positive(channel):
    c = channel
    for quantity in (0, -3, "-1", 1_000_001):
        error = refused(actor=c.initech_rep, partner=c.initech, vendor=c.acme, lines=[(c.acme_router, quantity)])
        assert error.message_dict == {"lines": ["Line 1: the quantity must be between 1 and 1,000,000."]}, quantity
    error = refused(actor=c.initech_rep, partner=c.initech, vendor=c.acme, lines=[(c.acme_router, "two")])
    assert error.message_dict == {"lines": ["Line 1: give a product and a whole-number quantity."]}


def test_close_date_in_the_past(channel):
    c = channel
    error = refused(
        actor=c.initech_rep,
        partner=c.initech,
        vendor=c.acme,
        lines=[(c.acme_router, 1)],
        expected_close_date=today() - timedelta(days=1),
    )
    assert error.message_dict == {"expected_close_date": ["The expected close date cannot be in the past."]}


def test_required_fields_and_country_and_email_each_named(channel):
    c = channel
    error = refused(
        actor=c.initech_rep,
        partner=c.initech,
        vendor=c.acme,
        lines=[(c.acme_router, 1)],
        title=" ",
        customer_name="",
        customer_country="Germany",
        contact_email="not-an-address",
        customer_website="localhost",
    )
    assert error.message_dict == {
        "title": ["This field is required."],
        "customer_name": ["This field is required."],
        "customer_country": ["Choose a country from the list (its two-letter ISO 3166-1 code, e.g. DE or US)."],
        "customer_website": ["Enter the customer's web domain, e.g. acme.com."],
        "contact_email": ["Enter a valid email address."],
    }


def test_oversize_attachment(channel, settings, media):
    c = channel
    settings.ONEPANE_DEAL_ATTACHMENT_MAX_BYTES = 100
    error = refused(
        actor=c.initech_rep, partner=c.initech, vendor=c.acme, lines=[(c.acme_router, 1)], attachments=[pdf(size=101)]
    )
    assert error.message_dict == {
        "attachments": ["quote.pdf is 101\xa0bytes; attachments can be at most 100\xa0bytes."]
    }
    assert files_under(media) == []


BAD_FILES = [
    ("setup.exe", b"MZ\x90\x00\x03", "setup.exe: this type of file cannot be attached. Allowed: "),
    ("quote.pdf", b"MZ\x90\x00 definitely not a PDF", "quote.pdf is not a valid PDF file."),
    ("photo.png", b"GIF89a......", "photo.png is not a valid PNG file."),
    ("notes.txt", b"\x00\x01\x02binary", "notes.txt is not a valid TXT file."),
    ("empty.pdf", b"", "empty.pdf is empty."),
]


def test_wrong_type_of_attachment(channel, media):
    c = channel
    for name, content, message in BAD_FILES:
        error = refused(
            actor=c.initech_rep,
            partner=c.initech,
            vendor=c.acme,
            lines=[(c.acme_router, 1)],
            attachments=[pdf("fine.pdf"), upload(name, content, "application/pdf")],
        )
        assert list(error.message_dict) == ["attachments"]
        assert error.message_dict["attachments"][0].startswith(message), name
    assert files_under(media) == []


def test_attach_refuses_a_bad_file_on_its_field(channel, submitted, media):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.deal_attach(actor=channel.initech_rep, deal=submitted, upload=upload("run.exe", b"MZ"))
    assert list(field_errors(exc)) == ["file"]
    assert counts() == before
    assert files_under(media) == []


def test_a_create_that_fails_after_storing_its_files_leaves_none_on_disk(channel, media):
    """The idle cap refuses the submission after the files were stored: the rows roll back, and so do the files."""
    c = channel
    services.deal_rules_update(actor=c.acme_admin, vendor=c.acme, idle_cap=1, idle_days=30)
    idle = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=True)
    DealRegistration.objects.filter(pk=idle.pk).update(last_activity_at=timezone.now() - timedelta(days=31))
    error = refused(
        actor=c.initech_rep,
        partner=c.initech,
        vendor=c.acme,
        lines=[(c.acme_router, 1)],
        attachments=[pdf("one.pdf"), pdf("two.pdf")],
        submit=True,
    )
    assert "allows at most 1" in " ".join(error.messages)
    assert files_under(media) == []


def test_vendor_without_an_active_partnership(channel):
    """Suspended, applied, none at all, another partner's vendor, no vendor: the same answer, nothing written."""
    c = channel
    applied = f.vendor("Hooli Cloud")
    f.partnership(applied, c.initech, status=Partnership.Status.APPLIED)
    stranger = f.vendor("Stranger Systems")
    theirs = f.vendor("Umbrella's Own Vendor")
    f.partnership(theirs, c.umbrella)
    cases = [
        (c.umbrella_admin, c.umbrella, c.globex, c.globex_fw),  # suspended
        (c.initech_rep, c.initech, applied, f.ProductFactory(vendor=applied)),
        (c.initech_rep, c.initech, stranger, f.ProductFactory(vendor=stranger)),
        (c.initech_rep, c.initech, theirs, f.ProductFactory(vendor=theirs)),
        (c.initech_rep, c.initech, None, c.acme_router),
    ]
    for actor, partner, vendor, product in cases:
        error = refused(actor=actor, partner=partner, vendor=vendor, lines=[(product, 1)])
        assert error.message_dict == {"vendor": [NOT_REGISTRABLE]}, vendor


def test_a_suspended_partnership_refuses_submitting_a_draft(channel):
    c = channel
    deal = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=False)
    vendor_services.partnership_suspend(actor=c.acme_admin, partnership=c.initech_acme, reason="Audit.")
    before = counts()
    with pytest.raises(PermissionDenied) as exc:  # the draft is read-only now (tests/deals/test_read_only.py)
        services.deal_submit(actor=c.initech_rep, deal=fresh(deal))
    assert str(exc.value) == "Acme Networks has suspended your partnership: this registration is read-only."
    assert counts() == before
    assert fresh(deal).status == Status.DRAFT


def test_registering_for_another_partner_or_from_a_vendor_is_refused(channel):
    c = channel
    refused(PermissionDenied, actor=c.initech_admin, partner=c.umbrella, vendor=c.acme, lines=[(c.acme_router, 1)])
    refused(PermissionDenied, actor=c.acme_admin, partner=c.acme, vendor=c.acme, lines=[(c.acme_router, 1)])
    refused(PermissionDenied, actor=c.acme_admin, partner=c.initech, vendor=c.acme, lines=[(c.acme_router, 1)])


def test_lines_are_refused_with_the_reason(channel):
    c = channel
    euro = f.ProductFactory(vendor=c.acme, sku="ACM-EU", currency="EUR")
    retired = f.ProductFactory(vendor=c.acme, sku="ACM-OLD", active=False)
    cases = [
        ([], "Add at least one product from the vendor's catalog."),
        (
            [(c.acme_router, 1), (euro, 1)],
            "These products are priced in different currencies; register them separately.",
        ),
        (
            [(c.acme_router, 1), (c.acme_router.pk, 2)],
            "Line 2: Edge Router 100 is on the registration twice; change its quantity instead.",
        ),
        ([(retired, 1)], f"Line 1: product {retired.pk} is not in Acme Networks's catalog."),
        ([(c.acme_router,)], "Line 1: give a product and a quantity."),
        ([(c.acme_router, 1)] * 51, "At most 50 products on one registration."),
    ]
    for lines, message in cases:
        error = refused(actor=c.initech_rep, partner=c.initech, vendor=c.acme, lines=lines)
        assert error.message_dict == {"lines": [message]}


def test_bad_update_writes_nothing(channel, submitted):
    c = channel
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.deal_update(
            actor=c.initech_rep,
            deal=submitted,
            changes={
                "notes": "Fine on its own.",
                "expected_close_date": today() - timedelta(days=2),
                "lines": [(c.globex_fw, 1)],
                "amount": "-5",
            },
        )
    assert set(field_errors(exc)) == {"expected_close_date", "lines", "amount"}
    assert counts() == before
    assert fresh(submitted).notes == ""


# --- who may do what -------------------------------------------------------------------------------------------


def test_only_the_vendors_admins_and_managers_decide(channel, submitted):
    c = channel
    before = counts()
    # A member of the vendor, another vendor's admin, the partner's people, a distributor not in this deal.
    for actor in (c.acme_member, c.globex_admin, c.initech_admin, c.initech_rep, c.northwind_admin):
        with pytest.raises(PermissionDenied):
            services.deal_approve(actor=actor, deal=submitted)
        with pytest.raises(PermissionDenied):
            services.deal_reject(actor=actor, deal=submitted, reason="No.")
        with pytest.raises(PermissionDenied):
            services.deal_request_info(actor=actor, deal=submitted, question="Why?")
    assert counts() == before
    assert fresh(submitted).status == Status.SUBMITTED


def test_another_partner_can_do_nothing_with_the_registration(channel, submitted, media):
    c = channel
    before = counts()
    with pytest.raises(PermissionDenied):
        services.deal_update(actor=c.umbrella_admin, deal=submitted, changes={"notes": "Mine now."})
    with pytest.raises(PermissionDenied):
        services.deal_comment(actor=c.umbrella_admin, deal=submitted, body="Hello?")
    with pytest.raises(PermissionDenied):
        services.deal_submit(actor=c.umbrella_admin, deal=submitted)
    with pytest.raises(PermissionDenied):
        services.deal_attach(actor=c.umbrella_admin, deal=submitted, upload=pdf())
    with pytest.raises(PermissionDenied):
        services.deal_request_extension(actor=c.umbrella_admin, deal=submitted, days=10, reason="Because.")
    assert counts() == before
    assert files_under(media) == []


def test_the_distributor_comments_in_two_tier_but_does_not_edit(channel, two_tier):
    c = channel
    comment = services.deal_comment(actor=c.northwind_admin, deal=two_tier, body="Stock is reserved.")
    assert (comment.organization, comment.author) == (c.northwind, c.northwind_admin)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.deal_update(actor=c.northwind_admin, deal=two_tier, changes={"notes": "Ours."})
    with pytest.raises(PermissionDenied):
        services.deal_submit(actor=c.northwind_admin, deal=two_tier)
    with pytest.raises(PermissionDenied):
        services.deal_approve(actor=c.northwind_admin, deal=two_tier)
    assert counts() == before
    # Globex's own admin decides it.
    assert services.deal_approve(actor=c.globex_admin, deal=two_tier).status == Status.APPROVED


def test_a_draft_is_the_partners_alone(channel):
    c = channel
    draft = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=False)
    with pytest.raises(PermissionDenied):
        services.deal_comment(actor=c.acme_admin, deal=draft, body="Looks good.")
    assert not DealComment.objects.exists()
    comment = services.deal_comment(actor=c.initech_admin, deal=draft, body="Note to self.")
    assert comment.organization == c.initech
    # The vendor cannot see it; if its admins hold it anyway, it is not waiting for review.
    with pytest.raises(ValidationError, match="not waiting for review"):
        services.deal_approve(actor=c.acme_admin, deal=draft)
    assert fresh(draft).status == Status.DRAFT


def test_auto_approval_reads_what_the_products_are_worth_not_a_typed_amount(channel):
    from deals.models import DealRules

    c = channel
    product = f.ProductFactory(vendor=c.acme, list_price=Decimal("1000.00"))
    rules = DealRules.objects.create(vendor=c.acme, auto_approve_below=Decimal("5000"))
    rules.auto_approve_tiers.set([c.gold])
    deal = f.deal(c.initech_admin, c.initech, c.acme, lines=[(product.pk, 100)], submit=False)  # 70,000 at Gold
    services.deal_update(actor=c.initech_admin, deal=deal, changes={"amount": "1"})
    deal = services.deal_submit(actor=c.initech_admin, deal=deal)
    assert deal.status == DealRegistration.Status.SUBMITTED


def test_an_approved_registration_cannot_gain_products_but_quantities_can_change(channel):
    c = channel
    first = f.ProductFactory(vendor=c.acme)
    second = f.ProductFactory(vendor=c.acme)
    deal = f.deal(c.initech_admin, c.initech, c.acme, lines=[(first.pk, 2)])
    services.deal_approve(actor=c.acme_admin, deal=deal)
    with pytest.raises(ValidationError) as refused:
        services.deal_update(actor=c.initech_admin, deal=deal, changes={"lines": [(first.pk, 2), (second.pk, 1)]})
    assert "Register a new deal" in str(refused.value.message_dict["lines"])
    assert list(deal.lines.values_list("product_id", "quantity")) == [(first.pk, 2)]
    services.deal_update(actor=c.initech_admin, deal=deal, changes={"lines": [(first.pk, 5)]})
    assert list(deal.lines.values_list("product_id", "quantity")) == [(first.pk, 5)]
