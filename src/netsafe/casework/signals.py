"""Run deconfliction whenever a key that could match another force's subject is saved."""

from __future__ import annotations

from django.db.models.signals import post_save

from . import deconfliction
from .models import Address, Identifier, Subject


def _identifier_saved(sender, instance: Identifier, raw=False, **kwargs):
    if not raw:
        deconfliction.check(instance.owner)
        if instance.subject_id is None and instance.referral_id is not None:
            # A key added to a referral is a key of its subjects too.
            for subject in instance.referral.subjects.all():
                deconfliction.check(subject)


def _address_saved(sender, instance: Address, raw=False, **kwargs):
    if not raw:
        deconfliction.check(instance.subject)


def _subject_saved(sender, instance: Subject, raw=False, **kwargs):
    if not raw and instance.name_key:
        deconfliction.check(instance)


def connect() -> None:
    """Connect the deconfliction signals (once, from ``CaseworkConfig.ready``)."""
    post_save.connect(_identifier_saved, sender=Identifier, dispatch_uid="deconflict-identifier")
    post_save.connect(_address_saved, sender=Address, dispatch_uid="deconflict-address")
    post_save.connect(_subject_saved, sender=Subject, dispatch_uid="deconflict-subject")
