"""German full-text index on proposals (PostgreSQL only; SQLite searches without an index)."""

from django.db import migrations

INDEX = "ideas_proposal_search_de"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.db.models.sql import Query

    from ideas.search import PROPOSAL_SEARCH_VECTOR

    Proposal = apps.get_model("ideas", "Proposal")
    query = Query(Proposal, alias_cols=False)
    compiler = query.get_compiler(connection=schema_editor.connection)
    expression = PROPOSAL_SEARCH_VECTOR.resolve_expression(query)
    sql, params = expression.as_sql(compiler, schema_editor.connection)
    table = schema_editor.quote_name(Proposal._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON {table} USING gin (({sql}))",
        params,
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("ideas", "0002_proposals_and_roadmap")]

    operations = [migrations.RunPython(create_index, drop_index)]
