from django.core.management.commands import createcachetable
from django.db import connections


class Command(createcachetable.Command):
    help = (
        "Skapar databascachens tabeller (settings.CACHES) som UNLOGGED i PostgreSQL, och gör "
        "en befintlig tabell UNLOGGED. Kan köras hur många gånger som helst."
    )

    def create_table(self, database, tablename, dry_run):
        """Django's table, then UNLOGGED: every throttled request writes a counter, and a cache
        that PostgreSQL empties after a crash need not cost a WAL record per write."""
        super().create_table(database, tablename, dry_run)
        connection = connections[database]
        if connection.vendor != "postgresql":
            return
        statement = f"ALTER TABLE {connection.ops.quote_name(tablename)} SET UNLOGGED"
        if dry_run:
            self.stdout.write(statement + ";")
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relpersistence FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(tablename)],
            )
            row = cursor.fetchone()
            if row is None or row[0] == "u":
                return
            cursor.execute(statement)
        if self.verbosity > 1:
            self.stdout.write(f"Cache table '{tablename}' is unlogged.")
