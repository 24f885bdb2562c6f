"""Atom feed of newly published agreements and versions, for the catalogue's filters too:
/overenskommelser/flode.atom?county=norrbottens-lan&theme=sfi."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from agreements import selectors


class _BadFilter(Exception):
    pass


class AgreementFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except _BadFilter as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")

    def get_object(self, request, *args, **kwargs):
        self.request = request
        filterset, items = selectors.agreement_feed_items(params=request.GET)
        if filterset.errors:  # county=atlantis is no feed of everything
            raise _BadFilter(_("Urvalet går inte att läsa.") + " " + filterset.error_text())
        return filterset, items

    def title(self, obj):
        filterset, _items = obj
        chosen = [
            str(getattr(value, "name", value))
            for name in filterset.FACETS
            for value in filterset.selected(name)
        ]
        if filterset.query:
            chosen.insert(0, f"”{filterset.query}”")
        title = _("Nya överenskommelser i Samverkansregistret")
        return f"{title}: {', '.join(chosen)}" if chosen else title

    def link(self, obj):
        query = self.request.GET.urlencode()
        return reverse("agreements:catalogue") + (f"?{query}" if query else "")

    def subtitle(self, obj):
        return _(
            "Publicerade överenskommelser och nya versioner om samverkan för nyanländas "
            "etablering, senaste först."
        )

    def items(self, obj):
        return obj[1]

    def item_title(self, item):
        label = item.version_label or _("version %(number)s") % {"number": item.version_number}
        return f"{item.title} ({label})"

    def item_description(self, item):
        # The summary is type="html": the text is escaped, so that markup typed into an
        # agreement is shown as text by a feed reader, never run.
        where = ", ".join(str(part) for part in (item.get_level_display(), item.county) if part)
        return escape(f"{where}. {item.purpose[:400]}" if item.purpose else where)

    def item_link(self, item):
        return item.get_version_url()

    def item_guid(self, item):
        return self.request.build_absolute_uri(item.get_version_url())

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at
