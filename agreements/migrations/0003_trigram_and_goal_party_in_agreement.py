from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for typo-tolerant search, and a composite foreign key so that the database
    itself refuses a goal whose party belongs to another agreement."""

    dependencies = [("agreements", "0002_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            sql="""
                ALTER TABLE agreements_goal
                ADD CONSTRAINT goal_party_in_same_agreement
                FOREIGN KEY (party_id, agreement_id)
                REFERENCES agreements_party (id, agreement_id)
                ON DELETE CASCADE
            """,
            reverse_sql="ALTER TABLE agreements_goal DROP CONSTRAINT goal_party_in_same_agreement",
        ),
    ]
