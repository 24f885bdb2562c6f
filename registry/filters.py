import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.filters import OrderingFilter

FIRST_YEAR, LAST_YEAR = 1990, 2100


@extend_schema_field({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR})
class YearFilter(django_filters.NumberFilter):
    """A year the registry can hold; others are refused with a Swedish message (400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput  # the default select quietly turns unknown values into None

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise ValidationError("Ange true eller false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictOrderingFilter(OrderingFilter):
    """DRF drops unknown ordering fields without a word; say which ones are allowed."""

    def _allowed(self, queryset, view, request) -> list[str]:
        return sorted(
            name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
        )

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param)
        if not value:
            return self.get_default_ordering(view)
        fields = [field.strip() for field in value.split(",")]
        allowed = self._allowed(queryset, view, request)
        unknown = [field for field in fields if field.lstrip("-") not in allowed]
        if unknown:
            raise APIValidationError(
                {
                    self.ordering_param: [
                        f"Det går inte att sortera efter {', '.join(unknown)}. Välj bland "
                        f"{', '.join(allowed)}, med - framför för fallande ordning."
                    ]
                }
            )
        return fields

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = sorted(
            field if isinstance(field, str) else field[0]
            for field in getattr(view, "ordering_fields", None) or []
        )
        if fields:
            choice = f"-?({'|'.join(fields)})"
            for parameter in parameters:
                parameter["schema"] = {"type": "string", "pattern": f"^{choice}(,{choice})*$"}
                parameter["description"] = f"Sortering: {', '.join(fields)}; - för fallande."
        return parameters
