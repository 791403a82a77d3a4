"""Representations of accounts and what belongs to them, and the bodies of their writes.

Serializers only shape and type-check data: every write goes to a service (accounts.services,
accounts.imports.services), which holds the rule and the permission check.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import (
    Account,
    AccountStatus,
    Activity,
    ActivityType,
    Contact,
    FunctionalRole,
    Interaction,
    InteractionKind,
    Quadrant,
    SalesLine,
    Stage,
    StageChange,
    TeamMembership,
    User,
)
from kam.api import MAX_ID, ScopedCreateMixin, StrictModelSerializer, StrictSerializer
from kam.bounds import MAX_INTERACTION_NOTE, MAX_PARTICIPANTS

# The largest list one bulk request may carry: bigger loads go through the file import.
MAX_BULK_LINES = 5000


def person(field: str) -> serializers.CharField:
    """A user's display name, read-only, null when nobody is set."""
    return serializers.CharField(source=field, read_only=True, allow_null=True)


class AccountSerializer(serializers.ModelSerializer):
    """An account's basics, its status and stage, and its figures from the current scoring run
    (null before the first run and for those who may not see scores)."""

    kam_name = person("kam")
    score_revenue = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Trailing-12-month revenue in the current scoring run",
    )
    score_attractiveness = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Attractiveness score 0-100 in the current scoring run",
    )
    score_quadrant = serializers.ChoiceField(
        choices=Quadrant.choices, read_only=True, allow_null=True
    )

    members = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="The ids of the accounts directly below this one in its group "
        "(?subtree=<id> lists the whole subtree)",
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "erp_code",
            "name",
            *Account.PROFILE_FIELDS,
            "parent",
            "members",
            "status",
            "tier",
            "kam",
            "kam_name",
            "stage",
            "stage_since",
            "designated_at",
            "created_at",
            "updated_at",
            "score_revenue",
            "score_attractiveness",
            "score_quadrant",
        ]
        read_only_fields = fields


class DesignationSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=AccountStatus.choices)
    kam = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        default=None,
        help_text="The dedicated KAM's user id (required for a key account)",
    )
    reason = serializers.CharField(max_length=2000)


def blank_or(choices: Any) -> serializers.ChoiceField:
    """A read-only choice that may also be blank: DRF drops `allow_blank` from read-only model
    fields, and the schema must say that "" is a value the API returns."""
    return serializers.ChoiceField(choices=choices, read_only=True, allow_blank=True)


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by_name = person("changed_by")
    from_stage = blank_or(Stage.choices)

    class Meta:
        model = StageChange
        fields = [
            "id",
            "account",
            "from_stage",
            "to_stage",
            "reason",
            "changed_by",
            "changed_by_name",
            "changed_at",
        ]
        read_only_fields = fields


class StageChangeCreateSerializer(ScopedCreateMixin, StrictSerializer):
    """A move of an account you serve to another relationship stage, with the reason."""

    parent_field = "account"
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(max_length=2000)


class ContactSerializer(serializers.ModelSerializer):
    relationship_owner_name = person("relationship_owner")
    # Text rather than an e-mail format: a contact's address may be blank.
    email = serializers.CharField(read_only=True, help_text="E-mail address, or empty")

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            *Contact.EDITABLE_FIELDS,
            "relationship_owner_name",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ContactUpdateSerializer(StrictModelSerializer):
    """The fields of a contact its people may change (PUT: all of them, PATCH: some)."""

    relationship_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )

    class Meta:
        model = Contact
        fields = Contact.EDITABLE_FIELDS
        extra_kwargs = {"influence": {"min_value": 1, "max_value": 5}}


class ContactCreateSerializer(ScopedCreateMixin, ContactUpdateSerializer):
    """A new contact in the decision-making unit of an account whose details you see."""

    parent_field = "account"
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())

    class Meta(ContactUpdateSerializer.Meta):
        fields = ["account", *Contact.EDITABLE_FIELDS]


class TeamMemberSerializer(serializers.ModelSerializer):
    user_name = person("user")

    class Meta:
        model = TeamMembership
        fields = ["id", "account", "user", "user_name", "functional_role", "created_at"]
        read_only_fields = fields


class TeamMemberCreateSerializer(ScopedCreateMixin, StrictSerializer):
    """A person joining an account's team in one functional role."""

    parent_field = "account"
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    functional_role = serializers.ChoiceField(choices=FunctionalRole.choices)


class SalesLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesLine
        fields = ["id", *SalesLine.FIELDS]
        read_only_fields = fields


class SalesLineWriteSerializer(StrictSerializer):
    """One invoiced line; (erp_document, erp_line) is its key: sending it again updates it."""

    erp_document = serializers.CharField(max_length=40)
    erp_line = serializers.IntegerField(min_value=0, max_value=2_147_483_647)
    account = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Account id")
    date = serializers.DateField()
    product_category = serializers.CharField(max_length=60, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Net revenue; negative on credit notes"
    )
    cost_of_goods = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)


class SalesLineBulkSerializer(StrictSerializer):
    lines = SalesLineWriteSerializer(many=True, min_length=1, max_length=MAX_BULK_LINES)
    blank_clears = serializers.BooleanField(
        default=False,
        help_text=(
            "False (default): a blank optional field (product_category) of a line that updates "
            "a stored one keeps the stored value. True: it clears it."
        ),
    )


class ImportResultSerializer(serializers.Serializer):
    """What a bulk write did (lines equal to what is stored are skipped)."""

    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ActivityTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivityType
        fields = ["id", "code", "name", "driver_unit", "description", "active"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = [
            "id",
            "account",
            "activity_type",
            "date",
            "quantity",
            "note",
            "external_ref",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class InteractionSerializer(serializers.ModelSerializer):
    """A meeting or call with contacts of an account: who took part, notes, next steps, and the
    cost-to-serve activity recorded with it (null when none was)."""

    contacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    our_people = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recorded_by_name = person("recorded_by")

    class Meta:
        model = Interaction
        fields = [
            "id",
            "account",
            "occurred_on",
            "kind",
            "subject",
            "contacts",
            "our_people",
            "notes",
            "next_steps",
            "activity",
            "recorded_by",
            "recorded_by_name",
            "created_at",
        ]
        read_only_fields = fields


def ids(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_PARTICIPANTS,
        help_text=help_text,
    )


class InteractionCreateSerializer(ScopedCreateMixin, StrictSerializer):
    """A meeting or call to record with an account whose details you see; it sets the
    contacts' last contact date and, with `activity_type`, records that cost-to-serve activity
    on the same day (`activity_quantity` driver units, default 1)."""

    parent_field = "account"
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())
    occurred_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=InteractionKind.choices)
    subject = serializers.CharField(max_length=200)
    contacts = ids("Ids of the account's contacts who took part")
    our_people = ids("User ids of our people who took part: the KAM or team members")
    notes = serializers.CharField(max_length=MAX_INTERACTION_NOTE, allow_blank=True, required=False)
    next_steps = serializers.CharField(
        max_length=MAX_INTERACTION_NOTE, allow_blank=True, required=False
    )
    activity_type = serializers.PrimaryKeyRelatedField(
        queryset=ActivityType.objects.all(), required=False, allow_null=True
    )
    activity_quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=0, required=False, allow_null=True
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        """The ids as the account's contacts and as users (a contact of another account is
        not one of this account's, whatever its id)."""
        contact_ids, people_ids = set(data["contacts"]), set(data["our_people"])
        contacts = list(Contact.objects.filter(account=data["account"], pk__in=contact_ids))
        people = list(User.objects.filter(pk__in=people_ids, is_active=True))
        errors = {}
        if missing := sorted(contact_ids - {c.pk for c in contacts}):
            errors["contacts"] = [f"Not contacts of this account: {missing}."]
        if missing := sorted(people_ids - {p.pk for p in people}):
            errors["our_people"] = [f"No such active user: {missing}."]
        if errors:
            raise serializers.ValidationError(errors)
        return {**data, "contacts": contacts, "our_people": people}
