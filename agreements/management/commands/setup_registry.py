from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Gör registret klart att använda: migrerar databasen, läser in referensdata och "
        "exempel, och i utvecklingsläge demoanvändarna. Kan köras hur många gånger som helst."
    )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the shared cache (settings.CACHES)
        self.stdout.write("Databasen är migrerad.")
        call_command("load_registry_data", stdout=self.stdout)
        if settings.DEBUG:
            call_command("create_demo_users", stdout=self.stdout)
