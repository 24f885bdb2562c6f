"""Every operation documents the error answers it can give, so that a client (and
schemathesis) can rely on the schema for those too."""

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Vad som är fel, på svenska."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Fel per fält (till exempel `valid_until` eller `commitments[2].party`), "
    "på svenska.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
# A request that cannot be read at all (a malformed Host header, a body that is not JSON)
# is refused before any field is looked at, with a `detail` like the other errors.
BAD_REQUEST = {"anyOf": [{"$ref": "#/components/schemas/FieldErrors"}, ERROR]}


def _response(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def describe_query_parameters(result, generator, request, public):
    """An empty single-valued query parameter means "no filter"; text never contains NUL,
    which PostgreSQL cannot store (such a request gets 400)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                schema = parameter.get("schema", {})
                if schema.get("type") != "array":  # an empty item in a list is refused
                    parameter["allowEmptyValue"] = True
                if schema.get("type") == "string" and "enum" not in schema:
                    schema.setdefault("pattern", "^[^\\u0000]*$")
                if (
                    schema.get("type") == "array"
                    and schema.get("items", {}).get("type") == ("string")
                    and "enum" not in schema["items"]
                ):
                    schema["items"].setdefault("pattern", "^[^\\u0000]*$")
                    schema["items"].setdefault("minLength", 1)
    return result


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})
    result["components"]["schemas"]["Error"] = ERROR
    result["components"]["schemas"]["FieldErrors"] = FIELD_ERRORS
    result["components"]["schemas"]["BadRequest"] = BAD_REQUEST
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = {
                "400": _response(
                    "Ogiltig begäran: fel per fält, eller en förfrågan som inte kan tolkas.",
                    "BadRequest",
                ),
                "429": _response("För många förfrågningar; se Retry-After.", "Error"),
            }
            if "{" in path:
                errors["404"] = _response("Finns inte, eller är inte publicerad.", "Error")
            elif method == "get":
                errors["404"] = _response("Sidan finns inte (sidnumret är för stort).", "Error")
            if method in ("post", "put", "patch", "delete"):
                errors |= {
                    "401": _response("Inloggning (token) krävs.", "Error"),
                    "403": _response("Utanför din behörighet.", "Error"),
                }
            if method in ("put", "patch"):
                errors |= {
                    "409": _response("Någon annan har ändrat sedan du läste.", "Error"),
                    "428": _response("If-Match saknas.", "Error"),
                }
            for status, response in errors.items():
                responses.setdefault(status, response)
    return result
