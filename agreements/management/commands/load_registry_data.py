from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from actors.models import County, Municipality, Organisation
from actors.services import (
    FixtureError,
    boundaries_load,
    counties_load,
    municipalities_load,
    organisations_load,
    read_json,
)
from agreements.models import Agreement
from agreements.services import agreement_document_load
from commitments.services import vocabularies_load
from registry.documents import DocumentError

REFERENCES = ("parent", "annex_to", "based_on")


def organisation_files(directory: Path) -> list[Path]:
    """organisations.json first: the generated files name its organisations as parents."""
    return sorted(
        directory.glob("organisations*.json"), key=lambda p: (p.stem != "organisations", p.name)
    )


def agreement_files_in_load_order(directory: Path) -> list[tuple[Path, dict]]:
    """Umbrella, annexed and earlier versions first: a document names them by lineage slug."""
    documents = {}
    for path in sorted(directory.glob("*.json")):
        if not path.name.startswith("organisations"):
            document = read_json(path)
            documents[(document["lineage"], document["version_number"])] = (path, document)
    versions_of: dict[str, list] = {}
    for lineage, version in documents:
        versions_of.setdefault(lineage, []).append((lineage, version))
    graph = TopologicalSorter()
    for (lineage, version), (_path, document) in documents.items():
        referenced = {document[field] for field in REFERENCES if document.get(field)}
        needs = [key for slug in referenced for key in versions_of.get(slug, [])]
        needs += [key for key in versions_of[lineage] if key[1] < version]
        graph.add((lineage, version), *needs)
    try:
        return [documents[key] for key in graph.static_order()]
    except CycleError as error:
        raise CommandError(
            f"Överenskommelserna hänvisar till varandra i en cirkel: {error.args[1]}"
        ) from None


class Command(BaseCommand):
    help = (
        "Läser in referensdata (län, kommuner, organisationer, vokabulär) och exempel-"
        "överenskommelserna från fixtures/. Kan köras hur många gånger som helst."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Skriv över organisationer och exempelöverenskommelser som redan finns med "
            "innehållet i filerna (annars lämnas de som personalen har redigerat dem).",
        )
        parser.add_argument(
            "--no-examples", action="store_true", help="Bara referensdata, inga överenskommelser."
        )

    def handle(self, *args, update=False, no_examples=False, **options):
        reference = Path(settings.FIXTURES_DIR) / "reference"
        examples = Path(settings.FIXTURES_DIR) / "examples"
        try:
            counties_load(directory=reference)
            municipalities_load(directory=reference)
            boundaries_load(directory=reference)
            vocabularies_load(directory=reference)
            created = 0
            directories = [reference] if no_examples else [reference, examples]
            for directory in directories:
                for path in organisation_files(directory):
                    created += organisations_load(
                        rows=read_json(path),
                        source=str(path.relative_to(settings.BASE_DIR)),
                        update=update,
                    )
            loaded = []
            if not no_examples:
                for path, document in agreement_files_in_load_order(examples):
                    source = str(path.relative_to(settings.BASE_DIR))
                    try:
                        loaded.append(
                            agreement_document_load(document=document, update=update, source=source)
                        )
                    except DocumentError as error:
                        raise FixtureError(f"{source}: {error}") from None
        except FixtureError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Referensdata: {County.objects.count()} län, {Municipality.objects.count()} kommuner, "
            f"{Organisation.objects.count()} organisationer ({created} nya). "
            f"Exempel: {len(loaded)} överenskommelser i filerna, "
            f"{Agreement.objects.count()} i registret."
        )
