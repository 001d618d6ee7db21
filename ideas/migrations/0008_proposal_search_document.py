"""The full-text search moves to a table of its own, kept by a trigger (PostgreSQL only).

The GIN index on the proposal table made every counter update (a rating, a comment) re-index
the proposal's whole text; the trigger rewrites a proposal's document only when it is inserted
or its title, summary or text change. SQLite keeps the table empty and searches the columns.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# The same words as the former index (migration 0003): title, summary and text, German.
DOCUMENT = (
    "to_tsvector('german', COALESCE({row}.title, '') || ' ' || COALESCE({row}.summary, '') "
    "|| ' ' || COALESCE({row}.text, ''))"
)
TEXT_CHANGED = (
    "OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary "
    "OR OLD.text IS DISTINCT FROM NEW.text"
)
CREATE = [
    f"""
    CREATE FUNCTION ideas_proposal_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ideas_proposalsearchdocument (proposal_id, document)
        VALUES (NEW.id, {DOCUMENT.format(row="NEW")})
        ON CONFLICT (proposal_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER proposal_search_document_insert AFTER INSERT ON ideas_proposal "
    "FOR EACH ROW EXECUTE FUNCTION ideas_proposal_search_document()",
    "CREATE TRIGGER proposal_search_document_update "
    "AFTER UPDATE OF title, summary, text ON ideas_proposal "
    f"FOR EACH ROW WHEN ({TEXT_CHANGED}) EXECUTE FUNCTION ideas_proposal_search_document()",
    "INSERT INTO ideas_proposalsearchdocument (proposal_id, document) "
    f"SELECT id, {DOCUMENT.format(row='ideas_proposal')} FROM ideas_proposal",
    "CREATE INDEX proposal_search_document ON ideas_proposalsearchdocument USING gin (document)",
    "ANALYZE ideas_proposalsearchdocument",
    "DROP INDEX IF EXISTS ideas_proposal_search_de",
]
DROP = [
    "DROP TRIGGER proposal_search_document_update ON ideas_proposal",
    "DROP TRIGGER proposal_search_document_insert ON ideas_proposal",
    "DROP FUNCTION ideas_proposal_search_document()",
    "CREATE INDEX ideas_proposal_search_de ON ideas_proposal "
    f"USING gin (({DOCUMENT.format(row='ideas_proposal')}))",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0007_dossier_exports"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProposalSearchDocument",
            fields=[
                (
                    "proposal",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="ideas.proposal",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "verbose_name": "Suchindex eines Vorschlags",
                "verbose_name_plural": "Suchindex der Vorschläge",
            },
        ),
        migrations.RunPython(run(CREATE), run(DROP)),
    ]
