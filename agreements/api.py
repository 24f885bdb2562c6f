import datetime
import hashlib
import json
from dataclasses import replace

import django_filters
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max, Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from actors.api import (
    CountySummarySerializer,
    MunicipalitySummarySerializer,
    OrganisationSummarySerializer,
    ResponsibleContactField,
)
from actors.filters import CountyFilter, MunicipalityFilter, OrganisationFilter
from actors.models import County, Municipality, OrganisationKind
from agreements import policy, selectors
from agreements.document import (
    AGREEMENT,
    GOAL,
    PARTY,
    ROWS,
    TEXT_SECTIONS,
    agreement_document_dump,
    agreement_document_stored,
)
from agreements.filters import AgreementApiFilterSet, VersionsFilterSet
from agreements.history import history_ensure_baseline, history_record
from agreements.models import (
    PARTIAL_DATE_FIELDS,
    Agreement,
    Goal,
    Kind,
    LegalStatus,
    Level,
    Party,
    PartyRole,
    Publication,
    signing_year,
)
from agreements.page_cache import catalogue_kept
from agreements.services import (
    agreement_create,
    agreement_document_write,
    agreement_publish,
    agreement_unpublish,
)
from agreements.signals import agreement_changes
from commitments.document import COMMITMENT
from commitments.models import Commitment
from followup.models import CommitmentAssessment, FollowUp
from registry.api import ExportMixin, PublicCacheMixin
from registry.document_api import document_serializer
from registry.documents import DocumentError
from registry.exports import BOOLEAN, CODE, LABEL, Column
from registry.partial_dates import iso_expression


class AgreementLinkSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:agreement-detail")
    slug = serializers.CharField(source="lineage.slug", read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "url", "slug", "title", "version_number", "version_label"]


class LinkedAgreementSerializer(AgreementLinkSerializer):
    """parent, annex_to, based_on: null unless the reader may see the linked version
    (policy.may_see_agreement), so that a published agreement never shows anything of one
    that is not published."""

    def get_attribute(self, instance):
        linked = super().get_attribute(instance)
        request = self.context.get("request")
        user = request.user if request is not None else None
        if linked is None or user is None or not policy.may_see_agreement(user, linked):
            return None
        return linked


@extend_schema_field(OpenApiTypes.STR)
class PartialDateField(serializers.Field):
    """An agreement's date as precisely as it is known: "2009", "2009-03" or "2009-03-15"."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, agreement):
        written = getattr(agreement, f"{self.field_name}_partial")
        return written.iso() if written else None


class AgreementSummarySerializer(AgreementLinkSerializer):
    html_url = serializers.SerializerMethodField(help_text="Överenskommelsens sida på webben.")
    signed_on = PartialDateField(help_text="Undertecknad: ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ.")
    signing_year = serializers.SerializerMethodField(
        help_text="Året då versionen undertecknades; null när det inte är känt."
    )
    valid_from = PartialDateField(help_text="Gäller från: ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ.")
    valid_until = PartialDateField(help_text="Gäller till: ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ.")
    county = CountySummarySerializer(read_only=True, allow_null=True)
    municipalities = MunicipalitySummarySerializer(many=True, read_only=True)
    status = serializers.ChoiceField(
        source="legal_status",
        choices=LegalStatus.choices,
        read_only=True,
        help_text="Rättslig status i dag: gäller, har upphört, ersatt, börjar senare, okänd.",
    )

    class Meta(AgreementLinkSerializer.Meta):
        fields = [
            *AgreementLinkSerializer.Meta.fields,
            "html_url",
            "alias",
            "level",
            "kind",
            "county",
            "municipalities",
            "status",
            "publication",
            "signed_on",
            "signing_year",
            "valid_from",
            "valid_until",
            "published_at",
            "updated_at",
            "is_good_example",
        ]

    def get_signing_year(self, agreement) -> int | None:
        return agreement.signed_on.year if agreement.signed_on else None

    def get_html_url(self, agreement) -> str:
        return self.context["request"].build_absolute_uri(agreement.get_absolute_url())


class PartySerializer(serializers.ModelSerializer):
    organisation = OrganisationSummarySerializer(read_only=True)

    class Meta:
        model = Party
        fields = ["id", *PARTY.fields]


class GoalSerializer(serializers.ModelSerializer):
    party = serializers.SlugRelatedField(
        source="party.organisation", slug_field="slug", read_only=True, allow_null=True
    )
    is_measurable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Goal
        fields = ["id", *GOAL.fields, "is_measurable"]


class CommitmentInAgreementSerializer(serializers.ModelSerializer):
    party = serializers.SlugRelatedField(
        source="party.organisation",
        slug_field="slug",
        read_only=True,
        help_text="Kortnamnet på den organisation som har åtagit sig detta.",
    )
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    target_groups = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:commitment-detail")
    responsible_contact = ResponsibleContactField()

    class Meta:
        model = Commitment
        fields = ["id", "url", *COMMITMENT.fields]


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommitmentAssessment
        fields = ["commitment", "status", "comment"]


class FollowUpInAgreementSerializer(serializers.ModelSerializer):
    assessments = AssessmentSerializer(many=True, read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "year",
            "held_on",
            "method",
            "summary",
            "conclusions",
            "revision_recommended",
            "completed_at",
            "assessments",
        ]


class SectionSerializer(serializers.Serializer):
    heading = serializers.CharField(max_length=300)
    text = serializers.CharField()


class AgreementDetailSerializer(AgreementSummarySerializer):
    extra_sections = SectionSerializer(source="sections", many=True, read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    target_groups = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    perspectives = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    legal_references = serializers.SlugRelatedField(slug_field="sfs", many=True, read_only=True)
    followup_responsible = OrganisationSummarySerializer(read_only=True, allow_null=True)
    parties = PartySerializer(many=True, read_only=True)
    goals = GoalSerializer(many=True, read_only=True)
    commitments = CommitmentInAgreementSerializer(many=True, read_only=True)
    followups = FollowUpInAgreementSerializer(
        source="public_followups",
        many=True,
        read_only=True,
        help_text="Avslutade uppföljningar, senaste året först.",
    )
    versions = AgreementLinkSerializer(
        source="visible_versions",
        many=True,
        read_only=True,
        help_text="Alla versioner av överenskommelsen som du får se, äldsta först.",
    )
    parent = LinkedAgreementSerializer(read_only=True, allow_null=True)
    annex_to = LinkedAgreementSerializer(read_only=True, allow_null=True)
    based_on = LinkedAgreementSerializer(read_only=True, allow_null=True)

    class Meta(AgreementSummarySerializer.Meta):
        fields = [
            *AgreementSummarySerializer.Meta.fields,
            "registration_number",
            *TEXT_SECTIONS,
            "extra_sections",
            "themes",
            "target_groups",
            "perspectives",
            "legal_references",
            "followup_frequency",
            "followup_responsible",
            "good_example_note",
            "parties",
            "goals",
            "commitments",
            "followups",
            "versions",
            "parent",
            "annex_to",
            "based_on",
        ]


# The write API takes the agreement document (agreements/document.py). Contact people
# (personal data) and reception figures are not written here; an update keeps them.
API_KEPT = ("lineage", "version_number", "contacts", "reception_figures")
AgreementWriteSerializer = document_serializer(
    replace(AGREEMENT, fields=tuple(f for f in AGREEMENT.fields if f not in API_KEPT)),
    lists=[rows for rows in ROWS if rows.name not in API_KEPT],
    extra={
        "lineage": serializers.SlugField(
            required=False,
            help_text="Kortnamn i adressen; skapas ur titeln om det saknas. Kan inte ändras.",
        ),
        "unpublish_reason": serializers.CharField(
            required=False,
            allow_blank=True,
            write_only=True,
            help_text="Varför överenskommelsen avpubliceras (publication: draft på en "
            "publicerad överenskommelse). Krävs då och sparas i historiken; används annars "
            "inte.",
        ),
    },
)
# Not part of the agreement's document: the request's instruction to the workflow.
API_WORKFLOW_FIELDS = ("unpublish_reason",)


def representation_etag(agreement: Agreement, data) -> str:
    """`"<lock_version>-<digest>"`. The digest makes it a true validator of this
    representation, so If-None-Match never answers 304 to a client whose copy shows
    yesterday's legal status or lacks a completed follow-up. If-Match compares only the
    lock version (`_check_if_match`): those changes move the digest, not the number, and a
    writer is refused only for a real change to the agreement."""
    digest = hashlib.md5(JSONRenderer().render(data), usedforsecurity=False).hexdigest()
    return f'"{agreement.lock_version}-{digest[:16]}"'


def etag_lock_version(etag: str) -> int | None:
    """The lock version an ETag from `representation_etag` was made with."""
    number = etag.strip().removeprefix("W/").strip('"').split("-", 1)[0]
    return int(number) if number.isdigit() else None


class IsStaffWriter(permissions.BasePermission):
    """Anyone may read; writing needs a staff member with a scope (county or national)."""

    message = _("Du behöver vara inloggad handläggare med behörighet för att ändra.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or policy.works_in_registry(request.user)


AGREEMENT_WRITE_DOC = (
    "Kräver token (Authorization: Token …) för en handläggare. Hela överenskommelsen med "
    "avsnitt, parter, mål och åtaganden i ett anrop; sparas helt eller inte alls. Fel ger 400 "
    "med svenska meddelanden per fält, ett län utanför din behörighet 403. "
    "parent, annex_to och based_on tar kortnamnet på en överenskommelse som du får se "
    "(publicerad, eller ett utkast i ditt län). "
    "publication: published publicerar med samma kontroller som administrationens knapp "
    "Publicera (innehåll, parter, versionens datum, att kopplade överenskommelser är "
    "publicerade; en tidigare version får ”gäller till”); det som saknas ger 400 under "
    "publication och ingenting sparas. publication: draft på en publicerad överenskommelse "
    "avpublicerar den och kräver unpublish_reason. Utelämnat behålls publiceringen som den är."
)


@extend_schema_view(
    list=extend_schema(summary="Publicerade överenskommelser (senaste versionen av varje)"),
    retrieve=extend_schema(summary="En version av en överenskommelse med allt innehåll"),
    create=extend_schema(
        summary="Registrera en överenskommelse",
        description=AGREEMENT_WRITE_DOC,
        request=AgreementWriteSerializer,
        responses={201: AgreementDetailSerializer},
    ),
    update=extend_schema(
        summary="Ersätt en överenskommelses innehåll",
        description=AGREEMENT_WRITE_DOC + " Kräver If-Match med ETag från senaste läsningen; "
        "har någon annan ändrat överenskommelsen sedan dess blir svaret 409. ETag:en börjar "
        "med överenskommelsens ändringsnummer, och det är bara det som jämförs: att "
        "giltigheten ändras vid midnatt eller att en uppföljning avslutas hindrar inte "
        "skrivningen.",
        request=AgreementWriteSerializer,
        responses={200: AgreementDetailSerializer},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    ),
    partial_update=extend_schema(
        summary="Ändra delar av en överenskommelse",
        description="Som PUT, men bara de fält som skickas ändras.",
        request=AgreementWriteSerializer,
        responses={200: AgreementDetailSerializer},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    ),
)
class AgreementViewSet(
    PublicCacheMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Överenskommelser. Anonyma användare ser bara publicerade; inloggade handläggare också
    utkasten i sina egna län."""

    filterset_class = AgreementApiFilterSet
    permission_classes = [IsStaffWriter]
    ordering_fields = ["title", "valid_from", "signed_on", "published_at", "id"]
    ordering = ["id"]
    export_name = "overenskommelser"
    export_columns = [
        Column("id", _("id"), "id", CODE),
        Column("slug", _("kortnamn i webbadressen"), "lineage__slug", CODE),
        Column("version", _("version"), "version_number"),
        Column("version_label", _("versionsbeteckning"), "version_label"),
        Column("title", _("titel"), "title"),
        Column("level_label", _("nivå"), "level", LABEL, Level.choices),
        Column("level", _("nivåkod"), "level", CODE),
        Column("kind_label", _("typ"), "kind", LABEL, Kind.choices),
        Column("kind", _("typkod"), "kind", CODE),
        Column("county_name", _("län"), "county__name"),
        Column("county", _("länskod"), "county__code", CODE),
        Column("municipality_names", _("kommuner"), "municipality_names"),
        Column("municipalities", _("kommunkoder"), "municipality_codes", CODE),
        Column("signed_on", _("undertecknad"), "signed_on_written"),
        Column("signing_year", _("undertecknad år"), "signing_year"),
        Column("valid_from", _("gäller från"), "valid_from_written"),
        Column("valid_until", _("gäller till"), "valid_until_written"),
        Column("status_label", _("status"), "legal_status", LABEL, LegalStatus.choices),
        Column("status", _("statuskod"), "legal_status", CODE),
        Column("is_good_example", _("gott exempel"), "is_good_example", BOOLEAN),
        Column("party_count", _("antal parter"), "party_count"),
    ]

    def get_queryset(self):
        # A list's versions (the newest of each, or all) are chosen by its FilterSet.
        agreements = Agreement.objects.visible_to(self.request.user).with_status().for_display()
        listing = self.action in ("list", "export")
        related = ["county", "lineage"]
        # Names and codes only: a municipality's map geometry cost a list of 20 a third of
        # its time in JSON parsing.
        municipalities = Prefetch("municipalities", queryset=Municipality.objects.defer("geometry"))
        if listing:
            return agreements.select_related(*related).prefetch_related(municipalities)
        visible_versions = (
            Agreement.objects.visible_to(self.request.user)
            .select_related("lineage")
            .order_by("version_number")
        )
        return agreements.select_related(
            *related,
            "followup_responsible",
            "parent__lineage",
            "annex_to__lineage",
            "based_on__lineage",
        ).prefetch_related(
            municipalities,
            "sections",
            "themes",
            "target_groups",
            "perspectives",
            "legal_references",
            Prefetch("parties", queryset=Party.objects.select_related("organisation")),
            Prefetch("goals", queryset=Goal.objects.select_related("party__organisation")),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related(
                    "party__organisation", "responsible_contact__organisation"
                ).prefetch_related("themes", "target_groups"),
            ),
            Prefetch(
                "followups",
                queryset=FollowUp.objects.published()
                .prefetch_related("assessments")
                .order_by("-year"),
                to_attr="public_followups",
            ),
            Prefetch("lineage__versions", queryset=visible_versions, to_attr="visible"),
        )

    def get_serializer_class(self):
        if self.action == "list":
            return AgreementSummarySerializer
        if self.action in ("create", "update", "partial_update"):
            return AgreementWriteSerializer
        return AgreementDetailSerializer

    def get_object(self):
        agreement = super().get_object()
        if hasattr(agreement.lineage, "visible"):
            agreement.visible_versions = agreement.lineage.visible
        return agreement

    def last_modified(self):
        if getattr(self, "_last_modified", None) is not None:
            return self._last_modified
        if self.action == "retrieve" and "pk" in self.kwargs:
            return (
                Agreement.objects.published()
                .filter(pk=self.kwargs["pk"])
                .values_list("updated_at", flat=True)
                .first()
            )
        return Agreement.objects.published().aggregate(latest=Max("updated_at"))["latest"]

    def list(self, request, *args, **kwargs):
        """The public's list in id order is paged from the catalogue's index (no count or
        scan of the table) and kept until a published agreement changes
        (agreements/page_cache.py), as the JSON it is sent as; anything else, or filters with
        errors, as DRF lists."""
        index = None
        if not request.query_params.get(api_settings.ORDERING_PARAM):
            index = selectors.agreement_api_list_index(
                user=request.user, params=request.query_params
            )
        if index is None:
            return super().list(request, *args, **kwargs)
        # Kept as bytes: the data itself holds DRF's links with their model instances, and
        # unpickling and rendering them again cost more than the rest of the request.
        renderer = request.accepted_renderer
        as_bytes = isinstance(renderer, JSONRenderer)

        def page() -> tuple[dict | bytes, datetime.datetime | None] | None:
            queryset = self.get_queryset()
            filterset = DjangoFilterBackend().get_filterset(request, queryset, self)
            if not filterset.is_valid():
                return None
            ids = index.listed_ids(chosen=filterset.chosen_values())
            shown = [int(pk) for pk in self.paginate_queryset(ids)]
            rows = queryset.filter(pk__in=shown).order_by("pk")
            data = self.get_paginated_response(self.get_serializer(rows, many=True).data).data
            if as_bytes:
                data = renderer.render(
                    data, request.accepted_media_type, self.get_renderer_context()
                )
            return data, self.last_modified()

        # Pages up to the default size are kept; a longer one (up to 500 rows, 400 KB) is read
        # each time, so that a few hundred addresses cannot fill a worker's memory.
        if self.paginator.get_page_size(request) > self.paginator.page_size:
            kept = page()
        else:
            address = request.build_absolute_uri()
            key = f"api-agreements:{request.accepted_media_type}:{address}"
            kept = catalogue_kept(index=index, key=key, compute=page)
        if kept is None:
            return super().list(request, *args, **kwargs)
        data, self._last_modified = kept
        if as_bytes:
            return HttpResponse(data, content_type=renderer.media_type)
        return Response(data)

    def retrieve(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.get_serializer(agreement).data
        response = Response(data)
        response["ETag"] = representation_etag(agreement, data)
        return response

    def export_queryset(self, queryset):
        return queryset.annotate(
            municipality_names=StringAgg(
                "municipalities__name", ", ", distinct=True, order_by="municipalities__name"
            ),
            municipality_codes=StringAgg(
                "municipalities__code", ", ", distinct=True, order_by="municipalities__code"
            ),
            party_count=Count("parties", distinct=True),
            signing_year=signing_year(),
            **{f"{name}_written": iso_expression(name) for name in PARTIAL_DATE_FIELDS},
        )

    # Writing

    def _document(self, request, *, partial_base=None) -> tuple[dict, dict]:
        """The agreement's document as sent (on `partial_base` for PATCH), and the
        instructions to the workflow (API_WORKFLOW_FIELDS)."""
        serializer = AgreementWriteSerializer(data=request.data, partial=partial_base is not None)
        serializer.is_valid(raise_exception=True)
        document = dict(partial_base or {})
        document.update(serializer.validated_data)
        workflow = {name: document.pop(name, "") for name in API_WORKFLOW_FIELDS}
        return json.loads(json.dumps(document, cls=DjangoJSONEncoder)), workflow

    def _publication_change(self, agreement, *, wanted: str, workflow: dict) -> Agreement:
        """Publish or unpublish through the admin's services, with their checks and
        messages; a refusal is a 400 that rolls back the whole request."""
        try:
            if wanted == Publication.PUBLISHED and not agreement.is_published:
                return agreement_publish(agreement=agreement, user=self.request.user)
            if wanted == Publication.DRAFT and agreement.is_published:
                return agreement_unpublish(
                    agreement=agreement,
                    user=self.request.user,
                    reason=workflow["unpublish_reason"],
                )
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                names = {"reason": "unpublish_reason"}
                raise exceptions.ValidationError(
                    {
                        names.get(name, name): messages
                        for name, messages in error.message_dict.items()
                    }
                ) from None
            raise exceptions.ValidationError({"publication": error.messages}) from None
        return agreement

    def _require_scope_for(self, document) -> None:
        county_code = document.get("county")
        county = County.objects.filter(code=county_code).first() if county_code else None
        if county_code and county is None:
            return  # the document's own validation names the unknown county
        refusal = policy.refusal_to_register(self.request.user, county=county)
        if refusal:
            raise exceptions.PermissionDenied(refusal)

    def _respond(self, agreement, status_code):
        agreement = self.get_queryset().get(pk=agreement.pk)
        if hasattr(agreement.lineage, "visible"):
            agreement.visible_versions = agreement.lineage.visible
        data = AgreementDetailSerializer(agreement, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        response["ETag"] = representation_etag(agreement, data)
        return response

    def create(self, request, *args, **kwargs):
        document, workflow = self._document(request)
        self._require_scope_for(document)
        wanted = document.get("publication") or Publication.DRAFT
        document["publication"] = Publication.DRAFT
        try:
            with agreement_changes():
                agreement = agreement_create(document=document, user=request.user)
                history_record(
                    agreement=agreement, user=request.user, comment="Registrerad via API:t."
                )
                agreement = self._publication_change(agreement, wanted=wanted, workflow=workflow)
        except DocumentError as error:
            raise exceptions.ValidationError(error.errors) from None
        return self._respond(agreement, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        visible = self.get_object()
        try:
            with agreement_changes():
                # Locked, so that two writers cannot both pass the If-Match check.
                agreement = (
                    Agreement.objects.editable_by(request.user)
                    .select_for_update()
                    .filter(pk=visible.pk)
                    .first()
                )
                if agreement is None:
                    raise exceptions.PermissionDenied(
                        "Överenskommelsen hör till ett län du inte har behörighet för."
                    )
                self._check_if_match(request, agreement)
                stored = agreement_document_stored(agreement=agreement)
                current = agreement_document_dump(agreement=agreement, stored=stored)
                document, workflow = self._document(
                    request, partial_base=current if partial else None
                )
                for kept in API_KEPT:
                    document[kept] = current[kept]
                self._require_scope_for(document)
                # The content first, as it is published now; then the workflow, if asked.
                wanted = document.get("publication") or current["publication"]
                document["publication"] = current["publication"]
                history_ensure_baseline(agreement=agreement)
                written = agreement_document_write(
                    agreement=agreement, document=document, user=request.user, stored=stored
                )
                agreement = written.agreement
                if written.changed:
                    history_record(
                        agreement=agreement,
                        user=request.user,
                        comment="Ändrad via API:t.",
                        written=written.state,
                    )
                agreement = self._publication_change(agreement, wanted=wanted, workflow=workflow)
        except DocumentError as error:
            raise exceptions.ValidationError(error.errors) from None
        return self._respond(agreement, status.HTTP_200_OK)

    def _check_if_match(self, request, agreement) -> None:
        """One version number for the admin and the API: every change by any path moves
        Agreement.lock_version, and nothing else does."""
        expected = request.headers.get("If-Match")
        if not expected:
            raise PreconditionRequired()
        if expected.strip() == "*":
            return
        if not any(etag_lock_version(tag) == agreement.lock_version for tag in expected.split(",")):
            raise Conflict()


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Skicka If-Match med den ETag du fick när du läste överenskommelsen, så att ingen "
        "annans ändring skrivs över."
    )
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "Någon annan har ändrat överenskommelsen sedan du läste den. Läs den igen, gör om "
        "din ändring och skicka den med den nya ETag:en."
    )
    default_code = "conflict"


ORG_KINDS = tuple(OrganisationKind.choices)

# The agreement a party, commitment or follow-up belongs to, the same in every export.
AGREEMENT_OF_ROW_COLUMNS = [
    Column("agreement_title", _("överenskommelse"), "agreement__title"),
    Column(
        "agreement_slug",
        _("överenskommelsens kortnamn i webbadressen"),
        "agreement__lineage__slug",
        CODE,
    ),
    Column("agreement_version", _("version"), "agreement__version_number"),
    Column("county_name", _("län"), "agreement__county__name"),
    Column("county", _("länskod"), "agreement__county__code", CODE),
]


class PartyFilterSet(VersionsFilterSet):
    organisation = OrganisationFilter("organisation", distinct=False)
    organisation_kind = django_filters.MultipleChoiceFilter(
        field_name="organisation__kind", choices=OrganisationKind.choices, label="Typ av part"
    )
    county = CountyFilter("agreement__county", distinct=False)
    municipality = MunicipalityFilter("agreement__municipalities")
    level = django_filters.MultipleChoiceFilter(
        field_name="agreement__level", choices=Level.choices, label="Nivå"
    )
    role = django_filters.MultipleChoiceFilter(choices=PartyRole.choices, label="Roll")

    class Meta:
        model = Party
        fields = []


class PartyListSerializer(PartySerializer):
    agreement = AgreementLinkSerializer(read_only=True)

    class Meta(PartySerializer.Meta):
        fields = [*PartySerializer.Meta.fields, "agreement"]


class PartyViewSet(PublicCacheMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Parterna i överenskommelserna: vem som deltar, i vilken roll och vem som skrev under."""

    serializer_class = PartyListSerializer
    filterset_class = PartyFilterSet
    ordering_fields = ["id"]
    ordering = ["id"]
    export_name = "parter"
    export_columns = [
        Column("id", _("id"), "id", CODE),
        *AGREEMENT_OF_ROW_COLUMNS,
        Column("organisation", _("organisation"), "organisation__name"),
        Column("organisation_slug", _("organisationens kortnamn"), "organisation__slug", CODE),
        Column("organisation_kind_label", _("typ"), "organisation__kind", LABEL, ORG_KINDS),
        Column("organisation_kind", _("typkod"), "organisation__kind", CODE),
        Column("role_label", _("roll"), "role", LABEL, PartyRole.choices),
        Column("role", _("rollkod"), "role", CODE),
        Column("is_convener", _("sammankallande"), "is_convener", BOOLEAN),
        Column("signatory_name", _("undertecknad av"), "signatory_name"),
        Column("signatory_title", _("undertecknarens titel"), "signatory_title"),
        Column("signed_on", _("undertecknad"), "signed_on"),
    ]

    def get_queryset(self):
        return Party.objects.filter(
            agreement__in=Agreement.objects.visible_to(self.request.user)
        ).select_related("organisation", "agreement__lineage")
