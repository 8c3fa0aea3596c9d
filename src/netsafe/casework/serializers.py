"""The API's serializers of casework records: the base every record type's is made from.

:mod:`.api` makes each record type's serializer from its ``serializer`` (in
:mod:`.registry`): :class:`RecordSerializer`, or a subclass for a record type
whose fields need more (arrests' and interviews' offences).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.functional import cached_property
from rest_framework import serializers

from . import models as m
from .choices import Offence


class RecordSerializer(serializers.ModelSerializer):
    """Links to other records are limited to those the requesting user may change."""

    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    @cached_property
    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        model = relation_info.related_model
        if "queryset" in kwargs and issubclass(model, m.ForceScoped):
            kwargs["queryset"] = model.objects.editable_by(self._user)
        elif "queryset" in kwargs and field_name in {"officer", "assessed_by"}:
            # (No user at all when the schema is generated from the command line.)
            force_id = getattr(self._user, "force_id", None)
            kwargs["queryset"] = kwargs["queryset"].filter(force_id=force_id)
        return field_class, kwargs

    def validate(self, attrs):
        # The model's own rules (dates in order, links within the force, ...).
        instance = self.instance or self.Meta.model(force_id=self._user.force_id)
        for name, value in attrs.items():
            setattr(instance, name, value)
        computed = [f.name for f in instance._meta.concrete_fields if not f.editable]
        try:
            instance.full_clean(exclude=["force", *computed])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return attrs


class EncounterSerializer(RecordSerializer):
    """Arrests and interviews: offences as a list of Home Office codes."""

    offences = serializers.ListField(
        child=serializers.ChoiceField(choices=Offence.choices), required=False
    )
