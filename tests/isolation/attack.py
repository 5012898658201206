"""The attack: every declared route, as every persona, with rows they may and may not see.

A ``Sweep`` holds one world and a logged-in client per persona. It collects every failure (with the route,
method, URL and persona) instead of stopping at the first, so one run shows the whole picture. Every
request runs in a savepoint that is rolled back afterwards: a write that is allowed (an admin changing a
role) does not change the world the next request sees.

What is checked, on every response: no 5xx, and no marker of a row the persona may not be shown (in the
body, or in a redirect's Location), except markers the request itself carried (a search box repeats the
search); and no link to a row the persona may not see (a JSON ``url``, such as a notification's, or a
redirect's Location, that names a row of a scoped route). Then, by kind of route:

- scoped: a row the persona may not see answers exactly as a row that does not exist, and that answer
  is a 404 (405 for a method the route does not take); only the anonymous are turned away earlier (login
  redirect, 401/403), and a person without an organization is shown how to get an invitation. Writes
  change nothing. Each route must answer something other than 404 to someone who may see the row (else
  its declaration is wrong and the 404s above prove nothing).
- authenticated: the anonymous are turned away; lists show only what the persona may see, with each
  declared filter sent other tenants' ids and names; an API list's ``count`` and ids are exactly the rows
  the persona may see (after the filter).
- every write (POST/PUT/PATCH/DELETE; HEAD counts as a read): what changed in the database is what the
  persona may change. Every read: it changed nothing (but opening one's own notification).
- read-only records (``run_read_only``): the people of a partner whose partnership the vendor suspended or ended
  read its registrations and leads, but every write route on them (every scoped route of those models that writes,
  pages and API, read off the declarations) is refused: a 403 that says why, or the 404 (405) the route gives
  a partner whose partnership is active, and nothing changes.
- secrets (an app's ``SECRETS``: conflicts between partners' deal registrations are the vendor's alone): nothing
  anyone else is shown (pages, API, CSV, notifications, emails) speaks of one, and a filter of another side than
  theirs (``?conflicts=``, an app's ``SIDE_ONLY``) changes nothing they are shown.

The suite names no app: what each app's routes need (bodies, filter values, what an API filter means, its secrets,
its read-only rows) comes from its ``tests/<app_label>/isolation.py`` (``tests/isolation/plugins.py``).
"""

import contextlib
import copy
import json
import traceback
from urllib.parse import quote, urlsplit

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from rest_framework.test import APIClient

from core import routes
from tests.isolation import plugins
from tests.isolation import world as w
from tests.isolation.endpoints import READS

LOGIN_URL = settings.LOGIN_URL if settings.LOGIN_URL.startswith("/") else None
API_PAGE = 200  # the API's largest page: every visible row on one page


def _login_urls() -> tuple[str, ...]:
    """Where the anonymous are sent: the site's login, or the admin's own."""
    return (LOGIN_URL or reverse(settings.LOGIN_URL), reverse("admin:login"))


def _column(field: str) -> str:
    return "id" if field == "pk" else field


def stem(marker: str) -> str:
    """A search that finds the row of ``marker`` but is not the marker itself (so an echo is not a leak)."""
    return marker[:-1]


# --- the values each filter is attacked with ------------------------------------------------------------------


def known_filters() -> set:
    """The query parameters the suite can attack: every app's ``FILTERS``, and ``?q=``."""
    return {"q"} | {name for _label, filters in plugins.having("FILTERS") for name in filters}


def api_filters() -> dict:
    """What an API list's filter means, so the expected count can be computed: (model label, filter) → predicate."""
    return plugins.merged("API_FILTERS")


def filter_values(name: str, world, persona, rnd, *, missing=True, endpoint=None) -> list:
    """Values for ``?name=``: one of the persona's, one of another tenant's, and one that does not exist (the route's
    own app says what its filter means first: ``?status=`` of a registration, of a lead, of a partnership)."""
    if name == "q":
        return _searches(world, persona, rnd)
    own = plugins.of(endpoint)
    found = getattr(own, "FILTERS", {}).get(name) if own is not None else None
    if found is None:
        found = next((filters[name] for _label, filters in plugins.having("FILTERS") if name in filters), None)
    if found is None:
        raise KeyError(name)
    return found(world, persona, rnd, missing=missing, endpoint=endpoint)


def _searches(world, persona, rnd) -> list:
    """``?q=``: something that matches a lot, and a stem of one hidden marker of each kind the apps search for."""
    forbidden = world.rules.forbidden_markers(persona)
    values = ["x"]
    for search in plugins.collect("SEARCHES"):
        found = sorted(m for m, owner in forbidden.items() if search(m, owner))
        if found:
            values.append(stem(rnd.choice(found)))
    return values


def _keep(predicate, row, value, kind) -> bool:
    return predicate(row, value, kind) if isinstance(predicate, plugins.Sided) else predicate(row, value)


# --- URLs -----------------------------------------------------------------------------------------------------


def url_for(endpoint, value=None, query="") -> str | None:
    """The URL of ``endpoint`` naming ``value`` (scoped) or placeholder values for its other keywords."""
    kwargs = {}
    for name in endpoint.kwargs:
        if name == "format":
            kwargs[name] = "json"
        elif endpoint.declaration.access == routes.SCOPED and name == endpoint.declaration.kwarg:
            kwargs[name] = value
        else:
            kwargs[name] = "999999"  # fits int, slug, str, path and the regexes in use; names no real row
    if endpoint.name is None:
        return None
    try:
        url = reverse(endpoint.name, kwargs=kwargs)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


# --- the sweep ------------------------------------------------------------------------------------------------


class Sweep:
    def __init__(self, world, rnd):
        self.world = world
        self.rules = world.rules
        self.rnd = rnd
        self.failures: list[str] = []
        self.reached: dict[str, bool] = {}  # scoped route → someone who may see a row got more than a 404
        self.scoped = {}  # label → endpoint
        self.requests = 0
        self.clients = {}
        self.forbidden = {}
        for persona in world.personas:
            client = APIClient()
            if persona.user is not None:
                client.force_login(persona.user)
            self.clients[persona.key] = (client, copy.deepcopy(client.cookies))
            self.forbidden[persona.key] = self.rules.forbidden_markers(persona)
        # Who may never be told of each secret (conflicts between partners' registrations: all but the vendors' people).
        self.secrets = plugins.collect("SECRETS")
        self.blind = {secret: set() for secret in self.secrets}
        for persona in world.personas:
            self._blind(persona)
        self.table_oids = None  # of the tables a snapshot reads (``_written``)
        self.base = w.State()  # logging in changed nothing but sessions and last_login, which are not in it

    def add_persona(self, persona):
        """One more person to act as (logged in now: that changes nothing the snapshots read)."""
        client = APIClient()
        client.force_login(persona.user)
        self.clients[persona.key] = (client, copy.deepcopy(client.cookies))
        self.forbidden[persona.key] = self.rules.forbidden_markers(persona)
        self._blind(persona)

    def _blind(self, persona):
        kinds = {self.rules.org_rows[o]["kind"] for o in persona.orgs}
        for secret in self.secrets:
            if not kinds & secret.known_to:
                self.blind[secret].add(persona.key)

    # --- reporting --------------------------------------------------------------------------------------------

    def fail(self, persona, endpoint, method, url, message):
        self.failures.append(f"{endpoint.label}: {method} {url} as {persona.key}: {message}")

    def assert_clean(self):
        if self.failures:
            unique = list(dict.fromkeys(self.failures))
            shown = "\n".join(f"  - {line}" for line in unique[:60])
            more = f"\n  ... and {len(unique) - 60} more" if len(unique) > 60 else ""
            raise AssertionError(f"{len(unique)} isolation failures:\n{shown}{more}")

    # --- one request ------------------------------------------------------------------------------------------

    def call(self, persona, endpoint, method, url, body=None, *, snapshot=False):
        """Send one request in a savepoint that is rolled back. Returns (response or None, state after a write,
        or after any request with ``snapshot``: a GET that names a row the persona may not see must not change
        anything either, though opening a notification does change one's own).

        Every request is rolled back, so the state before each one is ``self.base``: a request that wrote nothing
        (PostgreSQL counts the rows written) leaves it, and no new snapshot is read. A read (GET, HEAD) that wrote
        something is checked against ``Rules.reads``: it may only open the person's own notifications.
        """
        client, cookies = self.clients[persona.key]
        response = after = read = None
        self.requests += 1
        with transaction.atomic():
            counted = self._written()
            try:
                response = self._send(client, endpoint, method, url, body)
            except Exception as exc:  # a 500: the test client re-raises the view's exception
                frames = traceback.extract_tb(exc.__traceback__)
                ours = [fr for fr in frames if "/.venv/" not in fr.filename and "/tests/" not in fr.filename]
                where = f" at {ours[-1].filename}:{ours[-1].lineno}" if ours else ""
                self.fail(persona, endpoint, method, url, f"500: {exc!r}{where}")
            if response is not None:
                wrote = counted is None or self._written() != counted
                if method not in READS or snapshot:
                    after = w.State() if wrote else self.base
                elif wrote and (counted is not None or getattr(plugins.of(endpoint), "SNAPSHOT_READS", False)):
                    read = w.State()
            transaction.set_rollback(True)
        client.cookies = copy.deepcopy(cookies)  # a response that logs out or rotates the session changes nothing
        if read is not None:
            problems = self.rules.reads(persona, self.base, read)
            if problems:
                self.fail(persona, endpoint, method, url, "a read changed rows: " + "; ".join(problems[:5]))
        if response is None:
            return None, None
        if response.status_code >= 500:
            self.fail(persona, endpoint, method, url, f"{response.status_code}")
        self.scan(persona, endpoint, method, url, body, response)
        self.check_links(persona, endpoint, method, url, response)
        return response, after

    def _written(self) -> int | None:
        """Rows written so far in this transaction to the tables a snapshot reads, as PostgreSQL counts them
        (None elsewhere: then every write is snapshotted)."""
        if connection.vendor != "postgresql":
            return None
        if self.table_oids is None:
            tables = [table.strip('"') for _, table, _ in w.State.shapes()]
            with connection.cursor() as cursor:
                cursor.execute("SELECT array_agg(oid) FROM pg_class WHERE relname = ANY(%s)", [tables])
                self.table_oids = cursor.fetchone()[0]
            assert len(self.table_oids) == len(tables), "a snapshot table was not found: writes to it would be missed"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(pg_stat_get_xact_tuples_inserted(t) + pg_stat_get_xact_tuples_updated(t) "
                "+ pg_stat_get_xact_tuples_deleted(t)), 0) FROM unnest(%s::oid[]) AS t",
                [self.table_oids],
            )
            return cursor.fetchone()[0]

    def _send(self, client, endpoint, method, url, body):
        if method in READS:
            return getattr(client, method.lower())(url)
        send = getattr(client, method.lower())
        if endpoint.is_api:
            if method == "DELETE":
                return send(url)
            files = any(hasattr(value, "read") for value in (body or {}).values())
            return send(url, body, format="multipart" if files else "json")
        return send(url, body or {})

    @staticmethod
    def text(response) -> str:
        """The whole answer as text (read once: a streamed one, such as a CSV export, can be read only once)."""
        cached = getattr(response, "_isolation_text", None)
        if cached is None:
            if getattr(response, "streaming", False):
                cached = b"".join(response.streaming_content).decode(errors="replace")
            else:
                cached = response.content.decode(errors="replace")
            cached += "\n" + response.get("Location", "")
            response._isolation_text = cached
        return cached

    def scan(self, persona, endpoint, method, url, body, response):
        """No marker of a row the persona may not be shown, except what the request itself carried; and nothing
        of conflicts between partners' registrations to anyone but the vendor's people."""
        text = self.text(response)
        echoed = w.found_markers(url + json.dumps(body or {}, default=str))
        leaked = (w.found_markers(text) & set(self.forbidden[persona.key])) - echoed
        if leaked:
            shown = ", ".join(f"{m} ({'#'.join(map(str, self.forbidden[persona.key][m]))})" for m in sorted(leaked))
            self.fail(persona, endpoint, method, url, f"{response.status_code} shows rows it may not: {shown}")
        # The API's schema and docs describe the vendor's fields to anyone; the admin is the platform's.
        if endpoint.access not in (routes.PUBLIC, routes.STAFF):
            path = urlsplit(url).path
            told = self.tells_secrets(persona, text.replace(path, "").replace(quote(path, safe=""), ""))
            if told:
                self.fail(persona, endpoint, method, url, f"{response.status_code} {told}")

    def tells_secrets(self, persona, text) -> str | None:
        """Why ``text`` tells ``persona`` a secret they may not be told (None: it does not, or they may know): a
        conflict between partners' registrations, say. The query's own filter names are not telling."""
        for secret in self.secrets:
            if persona.key not in self.blind[secret]:
                continue
            plain = secret.echo.sub("", text)
            found = secret.pattern.search(plain)
            if found is not None:
                context = " ".join(plain[max(found.start() - 60, 0) : found.end() + 60].split())
                return f"tells of {secret.what}: …{context}…"
        return None

    def check_links(self, persona, endpoint, method, url, response):
        """Every link the response gives (a JSON ``url``, a redirect) to a row names one the persona may see."""
        links = []
        if response.get("Location"):
            links.append(response["Location"])
        streaming = getattr(response, "streaming", False)
        if not streaming and response.get("Content-Type", "").startswith("application/json"):
            with contextlib.suppress(ValueError):
                links += list(_urls_in(json.loads(response.content)))
        for link in links:
            row = self.row_named(link)
            if row is not None and row[1] not in self.rules.visible(row[0], persona):
                self.fail(persona, endpoint, method, url, f"links to {row[0]} #{row[1]} it may not see: {link}")

    def row_named(self, link) -> tuple[str, int] | None:
        """(model label, pk) of the row a link to a scoped route names, if that row existed before the request
        (a redirect to a row the request created is judged by ``check_writes``)."""
        path = urlsplit(link).path
        try:
            match = resolve(path)
        except Resolver404:
            return None
        declaration = routes.declared().routes.get(match.view_name)
        if declaration is None or declaration.access != routes.SCOPED or declaration.model not in w.visible_rules():
            return None
        value = str(match.kwargs.get(declaration.kwarg))
        column = _column(declaration.field)
        rows = self.rules.rows(declaration.model)
        return next(((declaration.model, pk) for pk, r in rows.items() if str(r[column]) == value), None)

    def scan_feeds(self):
        for feed in plugins.collect("FEEDS"):
            for persona in self.world.personas:
                for where, text in feed(self.world, persona):
                    leaked = w.found_markers(text) & set(self.forbidden[persona.key])
                    if leaked:
                        self.failures.append(f"{where} for {persona.key} names rows it may not: {sorted(leaked)}")
                    told = self.tells_secrets(persona, text)
                    if told:
                        self.failures.append(f"{where} for {persona.key} {told}")

    # --- checks ---------------------------------------------------------------------------------------------

    def refused(self, persona, response) -> str | None:
        """Why ``response`` is not a proper "no such row" for ``persona`` (None: it is)."""
        status = response.status_code
        if status in (404, 405):
            return None
        if persona.anonymous:
            if status in (401, 403):
                return None
            if status == 302 and response["Location"].startswith(_login_urls()):
                return None
            return f"{status}: the anonymous must be sent to log in (or get 401/403/404)"
        if not persona.orgs and status == 200:
            templates = {t.name for t in response.templates}
            if "portal/no_organization.html" in templates:
                return None
        return f"{status} (not 404)"

    def check_writes(self, persona, endpoint, method, url, after, *, may_change=True, why=None):
        """What the request changed is what ``persona`` may change (``may_change=False``: nothing at all, ``why``
        says what the row was)."""
        if after is None:
            return
        if may_change:
            problems = self.rules.changes(persona, self.base, after)
        else:
            problems = [w.describe(self.base, after, *key) for key in w.changed(self.base, after)]
        if problems:
            what = (
                "changed rows it may not change"
                if may_change
                else f"changed rows, acting on {why or 'a row it may not see'}"
            )
            self.fail(persona, endpoint, method, url, f"{what}: " + "; ".join(problems[:5]))

    # --- scoped routes ------------------------------------------------------------------------------------------

    def scoped_samples(self, endpoint, persona):
        """(rows, visible sample, hidden sample). A second person of the same organizations (a manager after
        the admin) sees the same rows: one near miss is enough for them."""
        d = endpoint.declaration
        rows = self.rules.rows(d.model)
        visible = self.rules.visible(d.model, persona)
        hidden = sorted(set(rows) - visible)
        # Near misses first: rows of an organization the persona works with, where a leak would be likeliest.
        seen_orgs = self.rules.organizations(persona.orgs)
        near = [pk for pk in hidden if self._orgs_of(rows[pk]) & seen_orgs]
        far = [pk for pk in hidden if pk not in near]
        # Nearest: rows of the persona's own organizations (a colleague's notification, a partner's draft at the
        # persona's vendor): one of those first, when there are any.
        nearest = [pk for pk in near if self._orgs_of(rows[pk]) & persona.orgs]
        repeat = any(p.orgs == persona.orgs for p in self.world.personas[: self.world.personas.index(persona)])
        if repeat:
            picked_hidden = self.rnd.sample(nearest or near or far, min(1, len(nearest or near or far)))
        else:
            picked_hidden = self.rnd.sample(nearest, min(1, len(nearest)))
            rest = [pk for pk in near if pk not in picked_hidden]
            picked_hidden += self.rnd.sample(rest, min(2 - len(picked_hidden), len(rest)))
            picked_hidden += self.rnd.sample(far, min(1, len(far)))
        picked_visible = self.rnd.sample(sorted(visible), min(2, len(visible)))
        prefer = plugins.merged("PREFERRED").get(endpoint.name)
        good = sorted(pk for pk in visible if prefer(self.world, rows[pk])) if prefer else []
        if good:  # the first row gets every body: one in the state the route acts on (a draft to submit...)
            first = self.rnd.choice(good)
            picked_visible = [first, *(pk for pk in picked_visible if pk != first)][:2]
        return rows, picked_visible, picked_hidden

    @staticmethod
    def _orgs_of(row) -> set:
        return {row[k] for k in ("vendor_id", "partner_id", "distributor_id", "organization_id") if row.get(k)} | (
            {row["id"]} if "slug" in row else set()
        )

    def bodies(self, endpoint, row):
        builder = plugins.merged("BODIES").get(endpoint.name)
        return builder(self.world, row) if builder else [{}]

    def attack_scoped(self, endpoint):
        self.scoped[endpoint.label] = endpoint
        d = endpoint.declaration
        missing = w.MISSING_SLUG if d.field == "slug" else w.MISSING_ID
        rows = self.rules.rows(d.model)
        unbuildable = [pk for pk in rows if url_for(endpoint, rows[pk][_column(d.field)]) is None]
        if url_for(endpoint, missing) is None or unbuildable:
            self.failures.append(
                f"{endpoint}: no URL for {d.model}.{d.field} of rows {unbuildable[:5]}: "
                "its declaration in its app's routes.py (model, kwarg, field) is probably wrong."
            )
            return
        for persona in self.world.personas:
            rows, visible, hidden = self.scoped_samples(endpoint, persona)
            if not persona.orgs:  # everything is hidden from them: one row is as good as another
                hidden = hidden[:1]
            for method in endpoint.methods:
                # The answer for a row that does not exist: a row the persona may not see gets the same.
                url = url_for(endpoint, missing)
                template_row = rows[hidden[0]] if hidden else (rows[visible[0]] if visible else None)
                body = self.bodies(endpoint, template_row)[0] if method not in READS and template_row else None
                baseline, after = self.call(persona, endpoint, method, url, body, snapshot=True)
                if baseline is None:
                    continue
                self.check_writes(persona, endpoint, method, url, after, may_change=False)
                problem = self.refused(persona, baseline)
                if problem:
                    self.fail(persona, endpoint, method, url, f"a row that does not exist: {problem}")
                if baseline.status_code == 405:
                    continue  # the method is refused before any row is looked up
                for pk in hidden:
                    # The body is never read for a row that is not found: the first one is enough.
                    url = url_for(endpoint, rows[pk][_column(d.field)])
                    body = self.bodies(endpoint, rows[pk])[0] if method not in READS else None
                    response, after = self.call(persona, endpoint, method, url, body, snapshot=True)
                    if response is None:
                        continue
                    self.check_writes(persona, endpoint, method, url, after, may_change=False)
                    if response.status_code != baseline.status_code:
                        self.fail(
                            persona,
                            endpoint,
                            method,
                            url,
                            f"{response.status_code} for {d.model} #{pk} it may not see, "
                            f"{baseline.status_code} for one that does not exist",
                        )
                    problem = self.refused(persona, response)
                    if problem:
                        self.fail(persona, endpoint, method, url, f"{d.model} #{pk} it may not see: {problem}")
                for i, pk in enumerate(visible):
                    url = url_for(endpoint, rows[pk][_column(d.field)])
                    # The plain body, then (for one row, if the plain one got past the role check) the bodies
                    # that name other tenants' rows.
                    sent = self.bodies(endpoint, rows[pk]) if method not in READS else [None]
                    for j, body in enumerate(sent if i == 0 else sent[:1]):
                        response, after = self.call(persona, endpoint, method, url, body)
                        if response is None:
                            break
                        self.check_writes(persona, endpoint, method, url, after)
                        if persona.orgs and response.status_code not in (404, 405):
                            self.reached[endpoint.label] = True
                        self.reached.setdefault(endpoint.label, False)
                        if j == 0 and response.status_code in (401, 403, 404, 405):
                            break

    def check_reached(self):
        """Every scoped route answers more than 404 to someone who may see a row. The samples usually show it;
        if not (a partner's sampled rows were its own organization and a distributor, which no vendor page
        shows), every row each persona may see is tried before the route is reported."""
        for label, reached in self.reached.items():
            if not reached:
                reached = self._reach(self.scoped[label])
            if not reached:
                self.failures.append(
                    f"{label}: answered 404 (or 405) to every person for every row they may see. Its declaration in "
                    "its app's routes.py (model, kwarg, field) is probably wrong, and its 404s to others prove nothing."
                )

    def _reach(self, endpoint) -> bool:
        d = endpoint.declaration
        rows = self.rules.rows(d.model)
        for persona in self.world.personas:
            for pk in sorted(self.rules.visible(d.model, persona)) if persona.orgs else ():
                url = url_for(endpoint, rows[pk][_column(d.field)])
                for method in endpoint.methods:
                    body = self.bodies(endpoint, rows[pk])[0] if method not in READS else None
                    response, after = self.call(persona, endpoint, method, url, body)
                    if response is None:
                        continue
                    self.check_writes(persona, endpoint, method, url, after)
                    if response.status_code not in (404, 405):
                        return True
        return False

    # --- routes without a row in the URL --------------------------------------------------------------------

    def attack_unscoped(self, endpoint):
        url = url_for(endpoint)
        if url is None:
            if (
                endpoint.access != routes.STAFF
                and endpoint.name
                and not endpoint.route.startswith(tuple(routes.declared().prefixes))
            ):
                self.failures.append(f"{endpoint}: the suite cannot build its URL; give it simple keywords.")
            return
        # Our public routes (an email's links, with placeholder tokens here) change nothing; allauth's pages
        # (classified by prefix) may create the person's own email address row.
        public = endpoint.access == routes.PUBLIC and endpoint.name in routes.declared().routes
        for persona in self.world.personas:
            first = url_for(endpoint, query=self._api_query(endpoint, ""))
            response, after = self.call(persona, endpoint, "GET", first, snapshot=public)
            if public:
                self.check_writes(persona, endpoint, "GET", first, after, may_change=False)
            if response is not None:
                self.check_page(persona, endpoint, url, "", response)
            # Filters are attacked where the page serves the persona (a vendor's console is a 404 to a partner).
            if response is not None and response.status_code == 200 and persona.orgs:
                plain = w.found_markers(self.text(response))
                for name in endpoint.filters:
                    values = filter_values(
                        name, self.world, persona, self.rnd, missing=endpoint.list_model is not None, endpoint=endpoint
                    )
                    values = self.thinned(endpoint, persona, name, values)
                    for value in values:
                        query = f"{name}={value}"
                        full = url_for(endpoint, query=self._api_query(endpoint, query))
                        filtered, _ = self.call(persona, endpoint, "GET", full)
                        if filtered is not None:
                            self.check_page(persona, endpoint, full, query, filtered)
                            self.check_side_only(persona, endpoint, full, name, plain, filtered)
            for method in endpoint.write_methods:
                for body in self.bodies(endpoint, None):
                    response, after = self.call(persona, endpoint, method, url, body)
                    if response is None:
                        continue
                    self.check_writes(persona, endpoint, method, url, after, may_change=not persona.anonymous)
                    # A public route serves the anonymous (the login page's email step); it must change nothing.
                    if persona.anonymous and endpoint.access != routes.PUBLIC and self.refused(persona, response):
                        self.fail(persona, endpoint, method, url, self.refused(persona, response))

    def thinned(self, endpoint, persona, name, values) -> list:
        """The values of one filter worth sending: all of them, except (a) to a second person of the same
        organizations (a manager after the admin), who is shown the same rows: one, at random; (b) a filter of some
        sides alone (``Sided``, of the route's own app: a partner's ``?partner=`` on a deal list) that the persona's
        side does not have: only another tenant's row (the second value, when there is one), which it must ignore."""
        personas = self.world.personas
        if any(p.orgs == persona.orgs for p in personas[: personas.index(persona)]):
            return [self.rnd.choice(values)]
        app = plugins.owner(endpoint)
        sided = [
            keep
            for (label, filter_name), keep in api_filters().items()
            if filter_name == name and label.split(".")[0] == app and isinstance(keep, plugins.Sided)
        ]
        if sided:
            kind = self.rules.org_rows[persona.organization]["kind"] if persona.organization else None
            if kind not in sided[0].by_kind:
                return values[1:2] or values[:1]
        return values

    def check_side_only(self, persona, endpoint, url, name, plain, response):
        """A filter of another side than the persona works on changes nothing they are shown."""
        kind = self.rules.org_rows[persona.organization]["kind"] if persona.organization else None
        side_only = plugins.merged("SIDE_ONLY")
        if name not in side_only or kind in side_only[name] or response.status_code != 200:
            return
        filtered = w.found_markers(self.text(response))
        if filtered != plain:
            self.fail(
                persona,
                endpoint,
                "GET",
                url,
                f"?{name}= is not a {kind}'s filter, yet it changed what the list shows: only without it "
                f"{sorted(plain - filtered)}, only with it {sorted(filtered - plain)}",
            )

    def check_page(self, persona, endpoint, url, query, response):
        if persona.anonymous and endpoint.access in (routes.AUTHENTICATED, routes.STAFF):
            problem = self.refused(persona, response)
            if problem or (response.status_code == 404 and endpoint.access == routes.AUTHENTICATED):
                self.fail(persona, endpoint, "GET", url, problem or "404: should ask the anonymous to log in")
            return
        if endpoint.access == routes.STAFF and response.status_code == 200:
            self.fail(persona, endpoint, "GET", url, "200: the admin is for platform admins only")
        if endpoint.list_model is not None:
            self.check_count(persona, endpoint, url, query, response)

    @staticmethod
    def _api_query(endpoint, query):
        if endpoint.list_model is None:
            return query
        return "&".join(q for q in (query, f"page_size={API_PAGE}") if q)

    def check_count(self, persona, endpoint, url, query, response):
        label = endpoint.list_model._meta.label
        if response.status_code != 200:
            self.fail(persona, endpoint, "GET", url, f"{response.status_code} for a list")
            return
        rows = self.rules.rows(label)
        expected = self.rules.listed(label, persona)
        if query:
            name, value = query.split("=", 1)
            keep = api_filters()[label, name]
            kind = self.rules.org_rows[persona.organization]["kind"] if persona.organization else None
            expected = {pk for pk in expected if _keep(keep, rows[pk], value, kind)}
        data = response.json()
        got = {row["id"] for row in data["results"]}
        if data["count"] != len(expected) or got != expected:
            self.fail(
                persona,
                endpoint,
                "GET",
                url,
                f"count {data['count']}, ids {sorted(got)}; expected {len(expected)}: {sorted(expected)} "
                f"(extra {sorted(got - expected)}, missing {sorted(expected - got)})",
            )


# --- read-only records: a partnership the vendor suspended or ended -----------------------------------------------


def read_only_models() -> dict:
    """Label → what a row is called, of the rows read-only for the partner once its partnership closed (the apps'
    ``READ_ONLY``)."""
    return plugins.merged("READ_ONLY")


def read_only_routes(selected) -> list:
    """The routes that write to a read-only row named in their URL (a registration, a lead; pages and API): every
    scoped route of those models with a method that writes, so a new one is attacked without being listed here."""
    models = read_only_models()
    return [e for e in selected if e.access == routes.SCOPED and e.declaration.model in models and e.write_methods]


def read_only_message(world, status, label) -> str:
    """What the refusal says (vendors.access.read_only_reason), for V0's partnership in ``status``."""
    vendor = world.vendors[0].name
    return f"{vendor} has {status} your partnership: this {read_only_models()[label]} is read-only."


def _row_partnership(rules, label, pk):
    return rules.rows(label)[pk]["partnership_id"]


def attack_read_only(sweep, endpoint, personas, controls):
    """Every write method of ``endpoint``, with its first body, on every row of a closed partnership its partner's
    people see: refused (403 with the reason, or the 404/405 the route answers a partner of an active partnership,
    ``controls``) and nothing written."""
    world, rules = sweep.world, sweep.rules
    label = endpoint.declaration.model
    rows = rules.rows(label)
    closed = {p.pk: status for status, p in world.read_only.items()}
    for persona in personas:
        mine = sorted(pk for pk in rules.visible(label, persona) if _row_partnership(rules, label, pk) in closed)
        if not mine:
            sweep.failures.append(f"{persona.key} sees no {label} of its closed partnership: make some in World.")
        for pk in mine:
            url = url_for(endpoint, rows[pk][_column(endpoint.declaration.field)])
            message = read_only_message(world, closed[_row_partnership(rules, label, pk)], label)
            for method in endpoint.write_methods:
                body = sweep.bodies(endpoint, rows[pk])[0]
                response, after = sweep.call(persona, endpoint, method, url, body, snapshot=True)
                if response is None:
                    continue
                sweep.check_writes(persona, endpoint, method, url, after, may_change=False, why=f"a read-only {label}")
                status = response.status_code
                if status == 403:
                    if message not in sweep.text(response):
                        sweep.fail(persona, endpoint, method, url, f"403 without saying why ({message!r})")
                elif status in (404, 405):
                    if not controls(endpoint, method):
                        sweep.fail(
                            persona,
                            endpoint,
                            method,
                            url,
                            f"{status} on a row it may read: refuse with a 403 saying why",
                        )
                else:
                    sweep.fail(
                        persona, endpoint, method, url, f"{status}: a write on a read-only {label} is refused (403)"
                    )


def _controls(sweep, control):
    """``controls(endpoint, method)``: whether the route answers 404 or 405 to ``control`` (a partner's person whose
    partnership is active) on every row of the model it may see: not a route of the partner's side at all."""
    answers = {}

    def check(endpoint, method):
        key = (endpoint.label, method)
        if key not in answers:
            label = endpoint.declaration.model
            rows = sweep.rules.rows(label)
            closed = {p.pk for p in sweep.world.read_only.values()}
            mine = sorted(
                pk
                for pk in sweep.rules.visible(label, control)
                if _row_partnership(sweep.rules, label, pk) not in closed
            )
            answers[key] = bool(mine)
            for pk in mine:
                url = url_for(endpoint, rows[pk][_column(endpoint.declaration.field)])
                body = sweep.bodies(endpoint, rows[pk])[0]
                response, _ = sweep.call(control, endpoint, method, url, body)
                if response is not None and response.status_code not in (404, 405):
                    answers[key] = False
                    break
        return answers[key]

    return check


def run_read_only(world, rnd, selected):
    """Attack the write routes of registrations and leads as the people of the partners whose partnership with V0
    the vendor suspended or ended; P0's admin (active with V0) is the control for the routes a partner has not."""
    sweep = Sweep(world, rnd)
    personas = world.read_only_personas()
    if {p.key.split("_")[0] for p in personas} != {w.Status.SUSPENDED, w.Status.ENDED}:
        sweep.failures.append("The world has no partnership of V0 suspended and ended with records made before.")
    for persona in personas:
        sweep.add_persona(persona)
    control = next(p for p in world.personas if p.key == "partner_admin")
    controls = _controls(sweep, control)
    for endpoint in read_only_routes(selected):
        attack_read_only(sweep, endpoint, personas, controls)
    return sweep


def _urls_in(data):
    """The ``url`` values of a JSON answer, at any depth."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "url" and isinstance(value, str):
                yield value
            else:
                yield from _urls_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from _urls_in(value)


def run(world, rnd, endpoints):
    sweep = Sweep(world, rnd)
    for label in w.visible_rules():
        app = apps.get_model(label)._meta.app_label
        if not world.rules.rows(label) and world.builds(app):
            sweep.failures.append(f"The world has no rows of {label}: make some in tests/{app}/isolation.py.")
    for endpoint in endpoints:
        if endpoint.access == routes.SCOPED:
            sweep.attack_scoped(endpoint)
        else:
            sweep.attack_unscoped(endpoint)
    sweep.check_reached()
    sweep.scan_feeds()
    return sweep
