from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Överenskommelser"

    def ready(self):
        from agreements import signals  # noqa: F401 – connects the search refresh
