from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr


def validate_organisation_number(value: str) -> None:
    try:
        orgnr.validate(value)
    except StdnumError:
        raise ValidationError(
            "Organisationsnumret %(value)s är inte giltigt. Skriv tio siffror, NNNNNN-NNNN, "
            "och kontrollera den sista siffran.",
            code="invalid_organisation_number",
            params={"value": value},
        ) from None


def format_organisation_number(value: str) -> str:
    return orgnr.format(value) if value else ""
