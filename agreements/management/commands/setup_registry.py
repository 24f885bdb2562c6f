from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from agreements.search_dictionary import search_configuration_ensure


class Command(BaseCommand):
    help = (
        "Gör registret klart att använda: migrerar databasen, läser in referensdata och "
        "exempel, och i utvecklingsläge demoanvändarna. Kan köras hur många gånger som helst."
    )

    def handle(self, *args, **options):
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)  # the shared cache (settings.CACHES)
            # Again after migrating: a reinstalled server has lost the dictionary's files.
            search_configuration_ensure(connection)
        except ImproperlyConfigured as error:  # the search dictionary: one line on what to do
            raise CommandError(str(error)) from None
        self.stdout.write("Databasen är migrerad.")
        call_command("load_registry_data", stdout=self.stdout)
        if settings.DEBUG:
            call_command("create_demo_users", stdout=self.stdout)
