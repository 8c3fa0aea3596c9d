"""The chain of custody through the API: record the seizure, a hand-over or a correction.

``POST /api/devices/{id}/custody/seizure/``, ``.../custody/hand-over/`` and
``.../custody/correct/`` add one entry to a device of the user's force through
:func:`.custody.add_entry`, the function the pages call, so the ledger's rules
are the same: the seizure first, each hand-over from the current holder to a
named user of the force or a named outside body with its reference, at a time
after the entry before. Entries are never changed or deleted (``/api/custody/``
is read only). Each new entry is in the audit log, as every casework change is.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from netsafe.accounts.models import User

from . import custody
from .api import CaseworkAccess, router
from .models import CustodyEvent, Device


class SeizureSerializer(serializers.Serializer):
    """Entry one of a device's chain: who seized it, when and where."""

    at = serializers.DateTimeField(
        help_text="When, ISO 8601 with its offset (2017-03-03T07:30:00Z); on or after the day "
        "the device was seized, and not in the future."
    )
    receiver = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.none(),
        help_text="The user name of the officer of the device's force who seized it.",
    )
    location = serializers.CharField(max_length=200, help_text="Where it was seized.")

    def __init__(self, *args, device: Device | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if device is not None:
            # A user of another force is "no such user", never a hint that one exists.
            self.fields["receiver"].queryset = User.objects.filter(force_id=device.force_id)
        self.fields["receiver"].error_messages["does_not_exist"] = (
            "No user of your force has the user name {value}."
        )

    def to(self) -> custody.Receiver:
        data = self.validated_data
        return custody.Receiver(
            user=data.get("receiver"),
            body=data.get("body", ""),
            reference=data.get("body_reference", ""),
        )


class HandOverSerializer(SeizureSerializer):
    """A hand-over from the current holder to a user of the force or a named outside body."""

    receiver = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.none(),
        required=False,
        allow_null=True,
        help_text="The user name of the user of the force who receives the device; or leave "
        "it out and name the outside body.",
    )
    body = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text="The outside body that receives it (a forensic provider, the court, the "
        "owner), when it is not a user of the force.",
    )
    body_reference = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="The outside body's reference (its receipt, job or case number): needed "
        "with `body`.",
    )
    location = serializers.CharField(max_length=200, help_text="Where it was handed over.")
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="For example: to the DFU."
    )


class CorrectionSerializer(HandOverSerializer):
    """What an entry should have said; the entry corrected stays in the history."""

    corrects = serializers.PrimaryKeyRelatedField(
        queryset=CustodyEvent.objects.none(),
        help_text="The id of the entry of this device that is corrected (not a correction).",
    )
    reason = serializers.CharField(max_length=200, help_text="Why the entry was wrong.")

    def __init__(self, *args, device: Device | None = None, **kwargs):
        super().__init__(*args, device=device, **kwargs)
        if device is not None:
            self.fields["corrects"].queryset = device.custody.filter(corrects__isnull=True)


def _entry_serializer():
    """The read serializer of ``/api/custody/``: a new entry is shown as it is read."""
    return next(v for _, v, name in router.registry if name == "custodyevent").serializer_class


class CustodyEntryAPIView(GenericAPIView):
    """Add one entry of ``mode`` to the chain of custody of a device of the user's force."""

    permission_classes = [CaseworkAccess]
    #: The record the entry belongs to (its id is in the URL).
    model = Device
    mode = "handover"
    INPUTS = {
        "seizure": SeizureSerializer,
        "handover": HandOverSerializer,
        "correct": CorrectionSerializer,
    }

    def get_serializer_class(self):
        return self.INPUTS[self.mode]

    def get_queryset(self):
        return Device.objects.editable_by(self.request.user)

    def post(self, request, pk: int):
        device = get_object_or_404(self.get_queryset(), pk=pk)
        entered = self.get_serializer(data=request.data, device=device)
        entered.is_valid(raise_exception=True)
        try:
            entry = custody.add_entry(
                device, self.mode, entered.validated_data, to=entered.to(), recorded_by=request.user
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        shown = _entry_serializer()(entry, context=self.get_serializer_context()).data
        location = reverse("api:custodyevent-detail", args=[entry.pk])
        return Response(shown, status=status.HTTP_201_CREATED, headers={"Location": location})


_REFUSED = OpenApiResponse(
    description="Refused, nothing recorded: each problem under the field it is about "
    "(e.g. `at`: must be after the entry before it; `receiver`: already holds the device)."
)
_NOT_FOUND = OpenApiResponse(
    description="No device of your force has that id, or you cannot change casework."
)


def _documented(mode: str, summary: str, description: str):
    view = type(
        f"Custody{mode.title()}APIView",
        (CustodyEntryAPIView,),
        {"mode": mode, "__doc__": description},
    )
    return extend_schema(
        summary=summary,
        description=description,
        request=CustodyEntryAPIView.INPUTS[mode],
        responses={201: _entry_serializer(), 400: _REFUSED, 404: _NOT_FOUND},
        tags=["custody"],
    )(view)


SeizureAPIView = _documented(
    "seizure",
    "Record the seizure (entry one)",
    "Entry one of the device's chain of custody: the officer of your force who seized it, "
    "when and where. Refused when the seizure is already recorded.",
)
HandOverAPIView = _documented(
    "handover",
    "Hand over custody",
    "A hand-over from the current holder (whoever received the device last) to a user of "
    "your force (`receiver`, a user name) or a named outside body (`body` with its "
    "`body_reference`), at a time after the entry before it. The seizure must be recorded "
    "first. Entries are never changed or deleted: a mistake is put right with a correction.",
)
CorrectionAPIView = _documented(
    "correct",
    "Correct a custody entry",
    "A new entry that says what the entry `corrects` should have said, with the `reason`; "
    "the entry corrected stays in the history. The time stays between its neighbours.",
)
