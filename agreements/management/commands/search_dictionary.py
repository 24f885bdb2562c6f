from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.search_dictionary import FILE_STEM, write_dictionary_files


class Command(BaseCommand):
    help = (
        "Skriver sökningens svenska ordlista (registry_sv.dict och registry_sv.affix, gjorda av "
        "Debians hunspell-sv) till KATALOG, för en databasserver på en annan dator: kopiera dem "
        "till serverns $(pg_config --sharedir)/tsearch_data och kör sedan setup_registry."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Katalogen att skriva filerna till.")

    def handle(self, *args, directory, **options):
        target = Path(directory)
        if not target.is_dir():
            raise CommandError(f"Katalogen {target} finns inte.")
        write_dictionary_files(target)
        self.stdout.write(
            f"{FILE_STEM}.dict och {FILE_STEM}.affix finns i {target}. Kopiera dem till "
            "databasserverns $(pg_config --sharedir)/tsearch_data."
        )
