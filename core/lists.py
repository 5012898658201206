"""One list page: columns declared once, filters, a whitelisted sort, counted pagination, a streamed CSV export and
the htmx partial (the list alone). Every list of people's rows (deals, leads, the console's partners and
applications, a distributor's resellers, notifications, and every list to come) is a ``ListPage``.

A list declares its columns once, each with its label (the table's and the CSV's header), its plain value (the
CSV cell, a dotted attribute path or a function of the row) and, where the table shows more than the value, its
cell: a function of the row that returns HTML, escaped here unless it is marked safe (``format_html``). Rows
are rendered in Python, not cell by cell in a template: a page of fifty rows of seven cells costs one template
variable, not 350 (template rendering was most of a list's time). A column may appear in the table only
(``export=False``) or in the CSV only (``table=False``). A list shown as cards rather than a table gives ``row``,
a function returning the HTML of one item, instead.

In a view::

    listing = DEALS.page(request, rows, count=kept_total, filtered=form.is_filtered())
    return lists.render(request, "deals/list.html", "deals/_results.html", {"list": listing, "form": form})

``page`` sorts the rows by the whitelisted key (``?sort=``, anything else is the default), counts them once
(or takes the ``count`` the caller already has, e.g. from kept tallies), fetches the one page and renders its
rows. ``render`` answers an htmx request from the page's own filters with the list alone. ``export`` streams
the rows as CSV in constant memory, whatever their number: the header goes out at once, then the rows in
chunks read through a server-side cursor.

The template of a list extends ``includes/list.html`` (blocks ``summary``, ``rows`` and ``empty``); the page
includes it where the list goes, and the htmx answer is that template alone.
"""

import csv
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render as render_template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core import spreadsheets
from core.views import wants_partial

PAGE_SIZE = 50
EXPORT_CHUNK_SIZE = 2000  # rows read from the database at a time
EXPORT_LINES_PER_WRITE = 500  # CSV lines handed to the server at a time


def _getter(value) -> Callable[[Any], Any] | None:
    if value is None or callable(value):
        return value
    return attrgetter(value)


@dataclass(frozen=True)
class Column:
    """One column of a list, for the table and the CSV.

    - ``label``: the header of the column, in the table (escaped) and in the CSV;
    - ``value``: the plain value, a dotted attribute path (``"partner.name"``) or a function of the row: the CSV
      cell, and the table cell when there is no ``cell``;
    - ``cell``: the HTML of the table cell, a function of the row (escaped unless marked safe);
    - ``header``: the table's header cell when it says more than the label (escaped unless marked safe);
    - ``css``: the class of the header and the cells (``"num"``);
    - ``table`` / ``export``: whether the column shows in the table / in the CSV.
    """

    label: str
    value: Callable[[Any], Any] | str | None = None
    cell: Callable[[Any], Any] | None = None
    header: str = ""
    css: str = ""
    table: bool = True
    export: bool = True

    def __post_init__(self):
        object.__setattr__(self, "value", _getter(self.value))
        if self.value is None and (self.export or self.cell is None):
            raise ValueError(f"Column {self.label!r} needs a value (its CSV cell, or its table cell).")

    def html(self, row) -> str:
        return conditional_escape(self.cell(row) if self.cell is not None else _shown(self.value(row)))


def _shown(value):
    """A plain value as the table shows it: nothing for ``None``, dates as ``7 Dec 2026``."""
    if value is None:
        return ""
    if isinstance(value, date):
        return day(value)
    return value


def day(value, fmt: str = "j M Y") -> str:
    """A date (or an aware datetime, in the current time zone) as the ``date`` template filter shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, fmt)


def row_urls(rows: Iterable, route: str, *, attribute: str = "url", pk: str = "pk") -> list:
    """The rows of a page, each with ``url``: its page (``route`` with the row's ``pk``), reversed once for the
    page rather than once a row (fifty reverses were a tenth of a list's time)."""
    rows = list(rows)
    template = reverse(route, kwargs={"pk": 1_000_000_007}).replace("1000000007", "{}")
    for row in rows:
        setattr(row, attribute, template.format(getattr(row, pk)))
    return rows


def substitute(html: SafeString, old: str, new: str) -> SafeString:
    """HTML rendered once for a page (a form, a link), made a row's: ``old`` (a placeholder such as an id that
    cannot occur otherwise) replaced by ``new``, which is escaped unless it is marked safe."""
    return _joined([html.replace(old, conditional_escape(new))])


def ordering(sorts: dict[str, tuple[str, ...]], key: str, default: str) -> tuple[str, ...]:
    """The ``order_by`` of a whitelisted sort key; any other key (absent, stale or made up) is the default."""
    return sorts.get(key or default) or sorts[default]


class FilterForm(forms.Form):
    """The filters of a list, from the query string. It never fails the page: a stale or tampered value (a
    partner no longer in the channel, a status that does not exist) is ignored, the other filters still apply.
    ``values()`` are the valid ones; ``is_filtered()`` says whether any narrows the list (``ordering`` fields,
    such as the sort, do not)."""

    ordering: tuple[str, ...] = ("sort",)

    def values(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def is_filtered(self) -> bool:
        return any(value for name, value in self.values().items() if name not in self.ordering)


@dataclass
class Listing:
    """One page of a list, as its template shows it."""

    spec: "ListPage"
    page: Page
    rows: list
    body: SafeString
    sort: str
    filtered: bool
    groups: list | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def caption(self) -> str:
        return self.spec.caption

    @property
    def css(self) -> str:
        return self.spec.css

    @property
    def noun(self) -> str:
        return self.spec.noun

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def header(self) -> SafeString:
        return self.spec.header_html()

    def __bool__(self) -> bool:
        return bool(self.count)


class ListPage:
    """A list declared once: its columns, sorts and page size. ``page`` shows a page of it, ``export`` its CSV.

    - ``id``: the id of the list's element (the htmx target of its filters and page links);
    - ``caption``: the table's caption (read by screen readers); ``noun``: one row (``"registration"``);
    - ``sorts``: ``{key: order_by}``, the only sorts there are; ``default_sort`` the key used otherwise. Without
      ``sorts`` the rows keep the order they come in;
    - ``row``: for a list shown as cards, the HTML of one item (instead of table rows from the columns);
    - ``row_class``: a function of the row giving the class of its ``<tr>`` (or ``""``);
    - ``row_url``: the route of a row's page: each row of the page gets ``url`` before it is rendered.
    """

    def __init__(
        self,
        *,
        id: str,
        columns: Iterable[Column] = (),
        caption: str = "",
        noun: str = "row",
        css: str = "",
        sorts: dict[str, tuple[str, ...]] | None = None,
        default_sort: str = "",
        sort_param: str = "sort",
        page_size: int = PAGE_SIZE,
        row: Callable[[Any], str] | None = None,
        row_class: Callable[[Any], str] | None = None,
        row_url: str = "",
    ):
        self.id = id
        self.columns = list(columns)
        self.caption = caption
        self.noun = noun
        self.css = css
        self.sorts = sorts or {}
        if self.sorts and default_sort not in self.sorts:
            raise ValueError(f"The default sort {default_sort!r} is not one of {sorted(self.sorts)}.")
        self.default_sort = default_sort
        self.sort_param = sort_param
        self.page_size = page_size
        self.row = row
        self.row_class = row_class
        self.row_url = row_url
        self._table = [column for column in self.columns if column.table]
        self._export = [column for column in self.columns if column.export]
        self._header = _joined(
            format_html(
                '<th scope="col"{}>{}</th>',
                format_html(' class="{}"', column.css) if column.css else "",
                column.header or column.label,
            )
            for column in self._table
        )

    # --- sort --------------------------------------------------------------------------------------------------

    def sort_key(self, request) -> str:
        """The sort asked for, if it is one of the list's; the default otherwise."""
        key = request.GET.get(self.sort_param, "")
        return key if key in self.sorts else self.default_sort

    def sorted(self, rows, key: str):
        if not self.sorts:
            return rows
        return rows.order_by(*ordering(self.sorts, key, self.default_sort))

    # --- a page ------------------------------------------------------------------------------------------------

    def page(
        self,
        request,
        rows,
        *,
        count: int | None = None,
        form: FilterForm | None = None,
        filtered: bool = False,
        prepare: Callable[[list], Any] | None = None,
        group: Callable[[Any], Any] | None = None,
    ) -> Listing:
        """The page of ``rows`` asked for (``?page=``, clamped to the pages there are), sorted and rendered.

        ``form``: the list's filters (``FilterForm``), to tell whether they narrow it (or say so in ``filtered``).
        ``count``: the number of rows when the caller knows it already (kept tallies, totals that counted them),
        so they are not counted again; otherwise they are counted once. ``prepare(rows)`` may add what the cells
        show to the rows of the page (one query for all of them, never one a row). ``group(row)``: rows are shown
        in groups of consecutive rows with the same key (``listing.groups``: ``[(key, body)]``).
        """
        sort = self.sort_key(request)
        paginator = Paginator(self.sorted(rows, sort), self.page_size)
        if count is not None:
            paginator.count = count  # a cached_property: the paginator does not count again
        page = paginator.get_page(request.GET.get("page"))
        objects = list(page.object_list)
        if self.row_url:
            row_urls(objects, self.row_url)
        if prepare is not None:
            prepare(objects)
        page.object_list = objects
        groups = None
        if group is not None:
            groups = [(key, self.rows_html(list(members))) for key, members in itertools.groupby(objects, key=group)]
        return Listing(
            spec=self,
            page=page,
            rows=objects,
            body=self.rows_html(objects),
            sort=sort,
            filtered=filtered or (form is not None and form.is_filtered()),
            groups=groups,
        )

    def header_html(self) -> SafeString:
        return self._header

    def rows_html(self, rows: Iterable) -> SafeString:
        if self.row is not None:
            return _joined(conditional_escape(self.row(row)) for row in rows)
        return _joined(self._tr(row) for row in rows)

    def _tr(self, row) -> str:
        """One table row: each cell's HTML is escaped (``Column.html``), the rest is the list's own markup."""
        cells = []
        for column in self._table:
            opening = format_html('<td class="{}">', column.css) if column.css else "<td>"
            cells.append(f"{opening}{column.html(row)}</td>")
        css = self.row_class(row) if self.row_class is not None else ""
        opening = format_html('<tr class="{}">', css) if css else "<tr>"
        return f"{opening}{''.join(cells)}</tr>"

    # --- the CSV -----------------------------------------------------------------------------------------------

    def export_header(self) -> list[str]:
        return [column.label for column in self._export]

    def export_row(self, row) -> list[str]:
        return [spreadsheets.cell(column.value(row)) for column in self._export]

    def export(self, rows, *, filename: str, chunk_size: int = EXPORT_CHUNK_SIZE) -> StreamingHttpResponse:
        """Every row of ``rows`` (a queryset, or any iterable) as CSV, streamed: the header line goes out before
        the first row is read; the rows are read ``chunk_size`` at a time through a server-side cursor
        (``QuerySet.iterator``), so memory stays the same whatever their number. Every text cell goes through
        ``core.spreadsheets.cell`` (a spreadsheet never runs a cell as a formula)."""
        return StreamingHttpResponse(
            self.csv_lines(rows, chunk_size=chunk_size),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def csv_lines(self, rows, *, chunk_size: int = EXPORT_CHUNK_SIZE):
        writer = csv.writer(_Echo())
        yield writer.writerow(self.export_header())
        iterator = rows.iterator(chunk_size=chunk_size) if hasattr(rows, "iterator") else iter(rows)
        while batch := list(itertools.islice(iterator, EXPORT_LINES_PER_WRITE)):
            yield "".join(writer.writerow(self.export_row(row)) for row in batch)


def _joined(parts: Iterable[str]) -> SafeString:
    """Pieces of HTML that are each escaped already (``conditional_escape``, ``format_html``) or the list's own
    markup around such pieces, as one safe string."""
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped where it is made


class _Echo:
    """A file-like object whose ``write`` returns the line, so ``csv.writer`` feeds a streaming response."""

    def write(self, value):
        return value


# --- the htmx partial ---------------------------------------------------------------------------------------------


def wants_list_only(request) -> bool:
    """An htmx request from the page's own filters or page links (not a boosted link, not a history restore):
    answered with the list alone."""
    return wants_partial(request)


def render(request, template: str, partial: str, context: dict, *, status: int = 200) -> HttpResponse:
    """The whole page (``template``), or the list alone (``partial``) for an htmx request from the page itself.
    The answer varies with ``HX-Request``, so a cache never serves one for the other."""
    chosen = partial if wants_list_only(request) else template
    response = render_template(request, chosen, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
