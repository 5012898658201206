"""The one list mechanism (core.lists): a whitelisted sort, filters that never fail the page, counted pagination,
rows rendered and escaped in Python, the htmx partial and a CSV export that streams."""

import csv
import io
from types import SimpleNamespace

import pytest
from django import forms
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.utils.html import format_html

from core import lists
from tests import factories as f
from vendors.models import Organization

pytestmark = pytest.mark.django_db


def get(path="/", **headers):
    request = RequestFactory().get(path, **headers)
    request.htmx = False
    return request


ORGANIZATIONS = lists.ListPage(
    id="org-results",
    caption="Organizations",
    noun="organization",
    columns=[
        lists.Column("Name", "name", cell=lambda o: format_html("<b>{}</b>", o.name)),
        lists.Column("Country", "country"),
        lists.Column("Created", "created_at", table=False),
        lists.Column("Initials", lambda o: o.name[:2], export=False, css="num"),
    ],
    sorts={"name": ("name", "id"), "-name": ("-name", "-id")},
    default_sort="name",
    page_size=2,
)


@pytest.fixture
def three():
    return [f.partner(name=name) for name in ("Beta", "Alpha", "Gamma")]


def names(listing) -> list[str]:
    return [row.name for row in listing.rows]


def partners():
    return Organization.objects.filter(kind=Organization.Kind.PARTNER)


# --- sort -----------------------------------------------------------------------------------------------------------


def test_sort_is_one_of_the_lists_own_else_the_default(three):
    assert names(ORGANIZATIONS.page(get("/?sort=-name"), partners())) == ["Gamma", "Beta"]
    for asked in ("", "country", "password", "-id;drop table", "name__icontains"):
        listing = ORGANIZATIONS.page(get("/", data={"sort": asked}), partners())
        assert listing.sort == "name", asked
        assert names(listing) == ["Alpha", "Beta"], asked


def test_a_default_sort_outside_the_whitelist_is_refused():
    with pytest.raises(ValueError, match="default sort"):
        lists.ListPage(id="x", columns=[lists.Column("Name", "name")], sorts={"name": ("name",)}, default_sort="id")


def test_ordering_falls_back_to_the_default():
    sorts = {"recent": ("-updated_at", "-id"), "value": ("amount", "-id")}
    assert lists.ordering(sorts, "value", "recent") == ("amount", "-id")
    assert lists.ordering(sorts, "evil", "recent") == ("-updated_at", "-id")
    assert lists.ordering(sorts, "", "recent") == ("-updated_at", "-id")


# --- filters --------------------------------------------------------------------------------------------------------


class CountryFilters(lists.FilterForm):
    q = forms.CharField(required=False, max_length=5)
    country = forms.ChoiceField(required=False, choices=[("", "Any"), ("DE", "Germany"), ("FR", "France")])
    sort = forms.ChoiceField(required=False, choices=[("", "Name"), ("-name", "Name, Z to A")])


def test_filters_ignore_a_tampered_value_and_keep_the_others():
    form = CountryFilters({"q": "al", "country": "XX", "sort": "-name"})
    assert form.values() == {"q": "al", "sort": "-name"}
    assert form.is_filtered()
    assert not CountryFilters({"country": "XX", "sort": "-name"}).is_filtered()  # a sort does not narrow
    assert CountryFilters().values() == {} and not CountryFilters().is_filtered()


def test_the_listing_says_whether_filters_narrowed_it(three):
    form = CountryFilters({"country": "DE"})
    assert ORGANIZATIONS.page(get(), partners(), form=form).filtered
    assert not ORGANIZATIONS.page(get(), partners(), form=CountryFilters({"sort": "-name"})).filtered


# --- pagination -----------------------------------------------------------------------------------------------------


def test_pages_are_clamped_and_counted_once(three, django_assert_num_queries):
    with django_assert_num_queries(2):  # the count, the page
        first = ORGANIZATIONS.page(get("/?page=1"), partners())
    assert first.count == 3 and names(first) == ["Alpha", "Beta"] and first.page.has_next()
    assert names(ORGANIZATIONS.page(get("/?page=2"), partners())) == ["Gamma"]
    assert names(ORGANIZATIONS.page(get("/?page=99"), partners())) == ["Gamma"]  # the last page
    assert names(ORGANIZATIONS.page(get("/?page=abc"), partners())) == ["Alpha", "Beta"]  # the first


def test_a_known_count_is_not_counted_again(three, django_assert_num_queries):
    with django_assert_num_queries(1):  # the page only
        listing = ORGANIZATIONS.page(get(), partners(), count=3)
    assert listing.page.paginator.num_pages == 2


def test_rows_get_their_url_and_what_prepare_adds(three):
    def prepare(rows):
        for row in rows:
            row.extra = "prepared"

    spec = lists.ListPage(
        id="x",
        columns=[lists.Column("Name", "name", cell=lambda o: format_html("{} {}", o.url, o.extra))],
        row_url="console:partner_detail",
    )
    listing = spec.page(get(), partners().order_by("name"), prepare=prepare)
    assert str(listing.body).startswith(f"<tr><td>/console/partners/{three[1].pk}/ prepared</td></tr>")


# --- rows rendered in Python, escaped -------------------------------------------------------------------------------


def test_cells_are_escaped_unless_marked_safe():
    evil = SimpleNamespace(name='<script>alert("x")</script>', country="<b>FR</b>", created_at=None)
    body = str(ORGANIZATIONS.rows_html([evil]))
    assert "<script>" not in body and "<b>FR</b>" not in body
    assert "<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b>" in body  # the cell's own markup stays
    assert "<td>&lt;b&gt;FR&lt;/b&gt;</td>" in body
    assert '<td class="num">&lt;s</td>' in body
    header = str(ORGANIZATIONS.header_html())
    assert header == ('<th scope="col">Name</th><th scope="col">Country</th><th scope="col" class="num">Initials</th>')


def test_a_card_list_renders_each_item_and_escapes_it():
    cards = lists.ListPage(id="cards", columns=[lists.Column("Name", "name")], row=lambda o: f"<li>{o.name}</li>")
    body = str(cards.rows_html([SimpleNamespace(name="A & B")]))
    assert body == "&lt;li&gt;A &amp; B&lt;/li&gt;"  # a plain string is text, not markup
    cards = lists.ListPage(id="cards", columns=[], row=lambda o: format_html("<li>{}</li>", o.name))
    assert str(cards.rows_html([SimpleNamespace(name="A & B")])) == "<li>A &amp; B</li>"


def test_row_class():
    spec = lists.ListPage(id="x", columns=[lists.Column("Name", "name")], row_class=lambda o: o.css)
    body = str(spec.rows_html([SimpleNamespace(name="a", css='late" onclick="x'), SimpleNamespace(name="b", css="")]))
    assert body == '<tr class="late&quot; onclick=&quot;x"><td>a</td></tr><tr><td>b</td></tr>'


# --- the htmx partial -----------------------------------------------------------------------------------------------


def test_render_answers_htmx_with_the_list_alone(rf, three):
    user = f.UserFactory()

    def request_for(**headers):
        request = rf.get("/", **headers)
        request.user = user
        request.htmx = SimpleNamespace(boosted=False, history_restore_request=False) if headers else False
        return request

    context = {"list": ORGANIZATIONS.page(get(), partners())}
    partial = lists.render(request_for(HTTP_HX_REQUEST="true"), "base.html", "includes/list.html", context)
    html = partial.content.decode()
    assert html.strip().startswith('<div id="org-results">') and "<html" not in html
    assert "3 organizations" in html and "<b>Alpha</b>" in html and "Page 1 of 2" in html
    assert "HX-Request" in partial["Vary"]
    whole = lists.render(request_for(), "includes/list.html", "base.html", context)
    assert '<div id="org-results">' in whole.content.decode()


# --- CSV export -----------------------------------------------------------------------------------------------------


def test_export_streams_the_header_before_reading_a_row():
    read = []

    def rows():
        for i in range(5_000):
            read.append(i)
            yield SimpleNamespace(name=f"=Org {i}", country="DE", created_at=None)

    response = ORGANIZATIONS.export(rows(), filename="organizations.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="organizations.csv"'
    chunks = iter(response.streaming_content)
    assert next(chunks) == b"Name,Country,Created\r\n"
    assert read == []  # nothing was read before the header went out
    first_rows = next(chunks).decode().splitlines()
    assert first_rows[0] == "'=Org 0,DE,"  # a formula is text
    assert 0 < len(read) < 5_000  # the first rows went out before the rest was read
    rest = b"".join(chunks).decode().splitlines()
    assert len(first_rows) + len(rest) == 5_000 and len(read) == 5_000


def test_export_reads_a_queryset_in_chunks(three, django_assert_num_queries):
    response = ORGANIZATIONS.export(partners().order_by("name"), filename="o.csv", chunk_size=1)
    with django_assert_num_queries(1):  # one query, read through a cursor
        body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["Name"] for row in rows] == ["Alpha", "Beta", "Gamma"]
    assert list(rows[0]) == ["Name", "Country", "Created"]  # table-only columns stay out of the file
