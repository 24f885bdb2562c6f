from django.db import migrations


class Migration(migrations.Migration):
    """The database refuses a commitment whose party belongs to another agreement."""

    dependencies = [("commitments", "0001_initial"), ("agreements", "0002_initial")]

    operations = [
        migrations.RunSQL(
            sql="""
                ALTER TABLE commitments_commitment
                ADD CONSTRAINT commitment_party_in_same_agreement
                FOREIGN KEY (party_id, agreement_id)
                REFERENCES agreements_party (id, agreement_id)
                ON DELETE CASCADE
            """,
            reverse_sql="ALTER TABLE commitments_commitment "
            "DROP CONSTRAINT commitment_party_in_same_agreement",
        ),
    ]
