import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from actors.models import County
from agreements import pdf
from agreements.filters import AgreementFilterSet
from agreements.pdf_selectors import agreement_list_for_catalogue_selection


class Command(BaseCommand):
    help = (
        "Lägger PDF:en för den senaste publicerade versionen av varje överenskommelse i "
        "cachen för dagens datum, så att ingen besökare behöver vänta på en rendering. Kör "
        "den strax efter midnatt (datumet i sidfoten byter då PDF) och gärna efter större "
        "inläsningar. Redan cachade PDF:er renderas inte om."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lan", dest="county", help="Bara ett län (kortnamn eller länskod).")

    def handle(self, *args, county=None, **options):
        params = {}
        if county:
            found = County.objects.filter(Q(slug=county) | Q(code=county)).first()
            if found is None:
                raise CommandError(f"Länet ”{county}” finns inte. Ange kortnamn eller länskod.")
            params["county"] = [found.slug]
        # What the catalogue lists: the newest published version of each agreement.
        agreements = agreement_list_for_catalogue_selection(filterset=AgreementFilterSet(params))
        started = time.perf_counter()
        for agreement in agreements:
            pdf.agreement_pdf_get(slug=agreement.lineage.slug, number=agreement.version_number)
        self.stdout.write(
            f"{len(agreements)} PDF:er finns i cachen för i dag "
            f"({time.perf_counter() - started:.1f} s)."
        )
