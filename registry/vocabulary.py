from django.db import models


class VocabularyTerm(models.Model):
    """A term of a controlled vocabulary that staff tag with (themes, target groups, …)."""

    slug = models.SlugField("kortnamn", unique=True)
    name = models.CharField("namn", max_length=100, unique=True)
    description = models.TextField("beskrivning", blank=True)
    order = models.PositiveIntegerField("ordning", default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self):
        return self.name
