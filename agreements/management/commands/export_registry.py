from pathlib import Path

from django.core.management.base import BaseCommand

from agreements.registry_io import registry_dumps, registry_export


class Command(BaseCommand):
    help = (
        "Skriver hela registret som JSON (län, kommuner, organisationer, vokabulär, alla "
        "versioner av alla överenskommelser med delar och bilagor, uppföljningar). Läses in "
        "igen med import_registry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", default="-", help="Fil att skriva till; - (standard) för stdout."
        )

    def handle(self, *args, output="-", **options):
        text = registry_dumps(registry_export())
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Registret är exporterat till {output}.")
