"""One history row for every app: who did what to a record, when, from what to what.

An app's history model subclasses ``HistoryEntry``, adds the foreign key to the record it tells about, and
declares its kinds (``TextChoices``: each kind's label is what people read) and, where a change's values are codes,
their labels in ``VALUE_LABELS``. Pages render any app's history with ``templates/includes/timeline.html``::

    class DealEvent(HistoryEntry):
        class Kind(models.TextChoices):
            SUBMITTED = "submitted", "Submitted"

        deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="events")
        kind = kind_field(Kind)
        VALUE_LABELS = {"status": dict(DealRegistration.Status.choices)}

        class Meta(HistoryEntry.Meta):
            indexes = [history_index("deal", name="deal_event_history_idx")]

The values are text, never cut: a long customer name or a reason is kept whole. Rows are read oldest first.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

KIND_LENGTH = 32


def kind_field(kinds: type[models.TextChoices]) -> models.CharField:
    """The ``kind`` column of a history model, with the app's kinds (and their labels) as its choices."""
    return models.CharField(max_length=KIND_LENGTH, choices=kinds.choices)


def history_index(subject: str, *, name: str) -> models.Index:
    """The one index a history needs: a record's rows in time order (read forwards or backwards)."""
    return models.Index(fields=[subject, "created_at"], name=name)


class HistoryEntry(models.Model):
    """What happened: its kind, who did it, the value before and after (if a value changed), a note, when."""

    # ``{what changed (the field, or the kind where a model has no field): {stored value: label}}``
    VALUE_LABELS: ClassVar[dict[str, dict[str, str]]] = {}

    kind = models.CharField(max_length=KIND_LENGTH)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind_label} ({self.created_at:%Y-%m-%d})"

    @property
    def kind_label(self) -> str:
        """The kind as people read it (its choice's label; the code itself only for a kind no longer declared)."""
        return str(dict(self._meta.get_field("kind").flatchoices).get(self.kind, self.kind))

    def changed(self) -> str:
        """What the values are of: the changed field where the model keeps one, else the kind."""
        return getattr(self, "field", "") or self.kind

    @property
    def field_label(self) -> str:
        """The name of what changed, where a row names one (``""``: the kind says it)."""
        return ""

    @property
    def has_change(self) -> bool:
        return bool(self.field_label or self.old_value or self.new_value)

    @property
    def old_label(self) -> str:
        return self.VALUE_LABELS.get(self.changed(), {}).get(self.old_value, self.old_value)

    @property
    def new_label(self) -> str:
        return self.VALUE_LABELS.get(self.changed(), {}).get(self.new_value, self.new_value)
