from django.db import migrations


def use_registry_swedish(apps, schema_editor):
    from agreements.search import agreement_search_refresh_all
    from agreements.search_dictionary import search_configuration_ensure

    search_configuration_ensure(schema_editor.connection)
    # A migration's processes hold no catalogue index, and its note table may not exist yet.
    agreement_search_refresh_all(catalogue=False)


class Migration(migrations.Migration):
    """Search reads Swedish with the text search configuration `registry_swedish` (hunspell-sv
    with compounds, then snowball; agreements/search_dictionary.py) instead of `swedish`: the
    dictionary's files are installed where the server can read them, the configuration is
    created, and every search document is written again with it. Snippets now come from the
    written text only. Reversing leaves the configuration in place (unused by older code)."""

    dependencies = [("agreements", "0013_catalogue_entry_read_model")]

    operations = [migrations.RunPython(use_registry_swedish, migrations.RunPython.noop)]
