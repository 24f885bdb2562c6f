"""Keep each agreement's search document in its row (STORAGE MAIN) instead of PostgreSQL's
TOAST table: ranking a search reads the document of every match, and one TOAST lookup per
row made that five times slower. Documents too big for a page still go out of line.

Rows may then grow to half a page (toast_tuple_target) before the long texts move out: at
the default quarter page, the search document alone filled a row and pushed even the title
out of line, which made every read of titles a TOAST lookup."""

from django.db import migrations

TABLE = "agreements_agreement"


class Migration(migrations.Migration):
    dependencies = [("agreements", "0010_catalogue_state")]

    operations = [
        migrations.RunSQL(
            sql=[
                f"ALTER TABLE {TABLE} ALTER COLUMN search_document SET STORAGE MAIN",
                f"ALTER TABLE {TABLE} SET (toast_tuple_target = 4080)",
                # Existing documents move into their rows when written again.
                f"UPDATE {TABLE} SET search_document = search_document || ''::tsvector "
                "WHERE search_document IS NOT NULL",
            ],
            reverse_sql=[
                f"ALTER TABLE {TABLE} RESET (toast_tuple_target)",
                f"ALTER TABLE {TABLE} ALTER COLUMN search_document SET STORAGE EXTENDED",
            ],
        )
    ]
