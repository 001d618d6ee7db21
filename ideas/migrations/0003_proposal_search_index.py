"""German full-text index on proposals (PostgreSQL only; SQLite searches without an index).

Replaced in 0008 by a table of search documents; kept so that older databases migrate in order.
"""

from django.db import migrations

INDEX = "ideas_proposal_search_de"
DOCUMENT = (
    "to_tsvector('german', COALESCE(title, '') || ' ' || COALESCE(summary, '') "
    "|| ' ' || COALESCE(text, ''))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON ideas_proposal USING gin (({DOCUMENT}))")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("ideas", "0002_proposals_and_roadmap")]

    operations = [migrations.RunPython(create_index, drop_index)]
