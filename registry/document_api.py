"""Write serializers of the API built from the document's parts (registry/documents.py), so
that the API takes exactly the document's shape: a field added to a part is writable here
without a line of its own. Plain fields get the model field's own validation (lengths,
choices, years); relations are written by their natural keys."""

from rest_framework import serializers

from registry.documents import NaturalKey, Part, PartialDateKey, SiblingKey


def _relation_field(part: Part, name: str) -> serializers.Field:
    key, model_field = part.keys[name], part.model_field(name)
    label = str(model_field.verbose_name)
    if part.is_many(name):
        if isinstance(key, NaturalKey):
            return serializers.ListField(
                child=serializers.CharField(),
                required=False,
                label=label,
                help_text=f"{key.label}: {key.attribute}.",
            )
        return document_serializer(key.part)(many=True, required=False, label=label)
    if isinstance(key, SiblingKey):
        return serializers.SlugField(
            required=bool(key.required),
            allow_null=not key.required,
            label=label,
            help_text="Kortnamnet på en av överenskommelsens parter.",
        )
    if isinstance(key, PartialDateKey):
        return serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            label=label,
            help_text="ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ: så noga som datumet är känt.",
        )
    if isinstance(key, NaturalKey):
        return serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            label=label,
            help_text=f"{key.label}: {key.attribute}.",
        )
    if getattr(key, "part", None) is not None:
        return document_serializer(key.part)(required=False, allow_null=True, label=label)
    return serializers.SlugField(
        required=False, allow_null=True, label=label, help_text=model_field.help_text
    )


_built: dict[tuple, type] = {}


def document_serializer(part: Part, *, lists=(), extra: dict | None = None) -> type:
    """A serializer class for one part: its fields in the document's order, `lists` (the
    document's Rows) as nested lists, `extra` declared fields on top."""
    cache_key = (part.model, tuple(rows.name for rows in lists), tuple(extra or ()))
    if cache_key in _built:
        return _built[cache_key]
    declared = {name: _relation_field(part, name) for name in part.keys if name in part.fields}
    for rows in lists:
        declared[rows.name] = document_serializer(rows.part)(
            many=True, required=False, label=rows.name
        )
    declared.update(extra or {})
    meta = type(
        "Meta",
        (),
        {
            "model": part.model,
            "fields": [*(extra or ()), *part.fields, *(r.name for r in lists)],
            "validators": [],
        },
    )
    serializer = type(
        f"{part.model.__name__}DocumentSerializer",
        (serializers.ModelSerializer,),
        {"Meta": meta, **declared},
    )
    _built[cache_key] = serializer
    return serializer
