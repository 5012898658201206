"""A PostgreSQL index for case-insensitive prefix search of organization names (the admin's and the
directory's search), which stays fast at 100,000 organizations. Other databases do without it."""

from django.db import migrations

INDEX = "vendors_org_upper_name_prefix"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON vendors_organization (UPPER("name"::text) text_pattern_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
