from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from actors.models import County, StaffScope
from actors.services import staff_group_ensure

# Development only: the command refuses to run unless DJANGO_DEBUG is on.
DEMO_USERS = [
    ("norrbotten", "demo-norrbotten", "Handläggare, Länsstyrelsen i Norrbottens län", "25"),
    ("stockholm", "demo-stockholm", "Handläggare, Länsstyrelsen i Stockholms län", "01"),
    ("nationell", "demo-nationell", "Nationell redaktör", None),
]


class Command(BaseCommand):
    help = "Skapar en demoanvändare per persona (bara i utvecklingsläge, DJANGO_DEBUG=1)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demoanvändare skapas bara i utvecklingsläge (DJANGO_DEBUG=1), aldrig i drift."
            )
        group = staff_group_ensure()
        user_model = get_user_model()
        self.stdout.write("Demoanvändare (bara för utveckling) – logga in på /admin/:")
        for username, password, description, county_code in DEMO_USERS:
            user, _ = user_model.objects.get_or_create(username=username)
            user.first_name = description
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.add(group)
            if county_code:
                StaffScope.objects.get_or_create(
                    user=user, county=County.objects.get(code=county_code)
                )
            else:
                StaffScope.objects.get_or_create(user=user, is_national=True)
            self.stdout.write(f"  {username:<11} lösenord {password:<17} {description}")
