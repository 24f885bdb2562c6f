"""sitemap.xml: every public page, in Swedish and English. Only published agreements."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from actors.models import County, Municipality, Organisation
from agreements.models import Agreement, Party, Publication
from commitments.models import Theme


class RegistrySitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True


class StaticSitemap(RegistrySitemap):
    priority = 0.8

    def items(self):
        return [
            "agreements:home",
            "agreements:catalogue",
            "actors:national",
            "commitments:theme_list",
        ]

    def location(self, item):
        return reverse(item)


class AgreementSitemap(RegistrySitemap):
    """The newest version at the agreement's main address, older ones at their own."""

    limit = 5000

    def items(self):
        return (
            Agreement.objects.published()
            .select_related("lineage")
            .only("pk", "version_number", "updated_at", "published_at", "lineage__slug")
            .annotate(
                is_latest=~Exists(
                    Agreement.objects.filter(
                        lineage_id=OuterRef("lineage_id"),
                        version_number__gt=OuterRef("version_number"),
                        publication=Publication.PUBLISHED,
                    )
                )
            )
            .order_by("lineage__slug", "version_number")
        )

    def location(self, item):
        return item.get_absolute_url() if item.is_latest else item.get_version_url()

    def lastmod(self, item):
        return item.updated_at


class CountySitemap(RegistrySitemap):
    def items(self):
        return County.objects.order_by("code")

    def location(self, item):
        return reverse("actors:county", kwargs={"slug": item.slug})


class MunicipalitySitemap(RegistrySitemap):
    def items(self):
        return Municipality.objects.order_by("code")

    def location(self, item):
        return reverse("actors:municipality", kwargs={"slug": item.slug})


class OrganisationSitemap(RegistrySitemap):
    """Organisations that are party to a published agreement."""

    def items(self):
        return Organisation.objects.filter(
            Exists(Party.objects.published().filter(organisation_id=OuterRef("pk")))
        ).order_by("slug")

    def location(self, item):
        return reverse("actors:organisation", kwargs={"slug": item.slug})


class ThemeSitemap(RegistrySitemap):
    def items(self):
        return Theme.objects.order_by("order", "name")

    def location(self, item):
        return reverse("commitments:theme", kwargs={"slug": item.slug})


SITEMAPS = {
    "sidor": StaticSitemap,
    "overenskommelser": AgreementSitemap,
    "lan": CountySitemap,
    "kommuner": MunicipalitySitemap,
    "organisationer": OrganisationSitemap,
    "teman": ThemeSitemap,
}
