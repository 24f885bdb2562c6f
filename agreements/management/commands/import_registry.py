import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.registry_io import RegistryImportError, registry_import


class Command(BaseCommand):
    help = (
        "Läser in en export från export_registry i en tom databas (kör bara migrate först). "
        "Allt eller inget."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON-filen från export_registry; - för stdin.")

    def handle(self, *args, file, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, ValueError) as error:
            raise CommandError(f"Filen kan inte läsas som JSON: {error}") from None
        try:
            counts = registry_import(data=data)
        except RegistryImportError as error:
            raise CommandError(str(error)) from None
        total = sum(counts.values())
        self.stdout.write(f"Importerade {total} rader i {len(counts)} tabeller.")
