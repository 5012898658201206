"""Kept counts: numbers a list shows that are kept up to date by the services instead of counted on every view.

A tally is a model whose rows hold numbers (a count, a sum) under a key (the fields of a unique constraint: an
organization, a status, a currency). An app declares each of its tallies in ``<app>/tallies.py``::

    DEAL_TOTALS = Tally(
        model=DealTally,
        key=("organization_id", "status", "currency"),
        values=("count", "amount"),
        fresh=_count_deals,  # the same numbers counted from the registrations: rows of key + values
    )
    TALLIES = [DEAL_TOTALS]

Its services call ``move(DEAL_TOTALS, {key: deltas})`` in the transaction of the change they count. Every tally
moves the same way: the missing rows are inserted (``ON CONFLICT DO NOTHING``), the rows are locked in primary key
order (``select_for_update`` ordered by ``pk``), so two transactions moving the same rows never wait on each other
in a cycle, and updated in one statement. ``manage.py recount_tallies`` rebuilds every app's tallies from their
records (after a bulk load or a repair by hand), and the tests compare each kept tally with a fresh count after
every test (``differences``).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q

from core import registry


@dataclass(frozen=True)
class Tally:
    """One kind of kept count: its rows, the fields that key them, the numbers they keep, how to count them fresh."""

    model: type[models.Model]
    key: tuple[str, ...]
    values: tuple[str, ...]
    fresh: Callable[[], Iterable[tuple]]  # rows of (*key, *values) counted from the records themselves

    @property
    def label(self) -> str:
        return self.model._meta.label

    def key_of(self, row) -> tuple:
        return tuple(getattr(row, name) for name in self.key)


def registered() -> list[Tally]:
    """Every installed app's tallies (``TALLIES`` in ``<app>/tallies.py``), in app order."""
    return registry.collect("tallies", "TALLIES")


def _deltas(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def move(tally: Tally, deltas: Mapping[tuple, object]) -> None:
    """Add ``{key: delta}`` (a delta per value, or one number where the tally keeps one) to the kept rows, in the
    caller's transaction. Keys whose deltas are all zero are left alone; a call with none writes nothing."""
    moves = {key: _deltas(delta) for key, delta in deltas.items()}
    keys = sorted(key for key, delta in moves.items() if any(delta))
    if not keys:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{tally.label} moves only inside the transaction of the change it counts")
    model = tally.model
    model.objects.bulk_create([model(**dict(zip(tally.key, key, strict=True))) for key in keys], ignore_conflicts=True)
    wanted = Q(pk__in=[])
    for key in keys:
        wanted |= Q(**dict(zip(tally.key, key, strict=True)))
    rows = list(model.objects.select_for_update().filter(wanted).order_by("pk"))
    for row in rows:
        for name, delta in zip(tally.values, moves[tally.key_of(row)], strict=True):
            setattr(row, name, getattr(row, name) + delta)
    model.objects.bulk_update(rows, tally.values)


def kept(tally: Tally) -> dict[tuple, tuple]:
    """``{key: values}`` as kept, rows whose numbers are all zero left out."""
    fields = (*tally.key, *tally.values)
    n = len(tally.key)
    found = {}
    for row in tally.model.objects.order_by().values_list(*fields):
        if any(row[n:]):
            found[row[:n]] = row[n:]
    return found


def counted(tally: Tally) -> dict[tuple, tuple]:
    """``{key: values}`` counted afresh from the records, in the same shape as ``kept``."""
    n = len(tally.key)
    return {tuple(row[:n]): tuple(row[n:]) for row in tally.fresh() if any(row[n:])}


def differences(tallies: Iterable[Tally] | None = None) -> dict[str, dict[tuple, tuple]]:
    """``{tally: {key: (kept, counted)}}`` for every key where a kept tally and a fresh count disagree."""
    found = {}
    for tally in registered() if tallies is None else tallies:
        have, want = kept(tally), counted(tally)
        wrong = {key: (have.get(key), want.get(key)) for key in have.keys() | want.keys()}
        wrong = {key: pair for key, pair in wrong.items() if pair[0] != pair[1]}
        if wrong:
            found[tally.label] = wrong
    return found


@transaction.atomic
def recount(tally: Tally) -> int:
    """Rebuild a tally from its records. Its rows are locked first, so a change made meanwhile waits and is counted
    after the recount commits. Returns the number of rows kept."""
    list(tally.model.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    tally.model.objects.all().delete()
    fields = (*tally.key, *tally.values)
    rows = [tally.model(**dict(zip(fields, row, strict=True))) for row in tally.fresh() if any(row[len(tally.key) :])]
    tally.model.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
