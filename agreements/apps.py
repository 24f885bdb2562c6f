from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Överenskommelser"

    def ready(self):
        from agreements.history import register_models

        register_models()
        from agreements import (
            pdf_signals,  # noqa: F401  (connects the PDF cache signals)
            signals,  # noqa: F401 – connects the search refresh
        )
