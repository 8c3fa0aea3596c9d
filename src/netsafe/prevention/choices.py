"""The fixed vocabularies of the helpline log, as the charity counts them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Live chat")
    EMAIL = "email", _("Secure e-mail")


class ContactLanguage(models.TextChoices):
    """The language a helpline contact was held in."""

    ENGLISH = "en", _("English")
    WELSH = "cy", _("Welsh")


class CallerType(models.TextChoices):
    SELF = "self", _("Worried about their own thoughts or behaviour")
    FAMILY = "family", _("A family member or friend")
    PROFESSIONAL = "professional", _("A professional")
    SURVIVOR = "survivor", _("A survivor")
    OTHER = "other", _("Other")


class Offending(models.TextChoices):
    """Whether the person the call is about has offended, as the charity counts it."""

    NOT_OFFENDED = "none", _("Has not offended")
    ONLINE = "online", _("Online offending")
    CONTACT = "contact", _("Contact offending")
    BOTH = "both", _("Online and contact offending")
    NOT_SAID = "not-said", _("Not said or not known")


class Nation(models.TextChoices):
    """The regions the aggregate interface publishes (disjoint, never nested)."""

    WALES = "wales", _("Wales")
    ENGLAND = "england", _("England")
    SCOTLAND = "scotland", _("Scotland")
    NORTHERN_IRELAND = "northern-ireland", _("Northern Ireland")
    UNKNOWN = "unknown", _("Not known")


class Region(models.TextChoices):
    """Where the caller lives: Wales by police force area, England by region."""

    WALES_SOUTH_WALES = "wales-south-wales", _("Wales: South Wales Police area")
    WALES_GWENT = "wales-gwent", _("Wales: Gwent Police area")
    WALES_DYFED_POWYS = "wales-dyfed-powys", _("Wales: Dyfed-Powys Police area")
    WALES_NORTH_WALES = "wales-north-wales", _("Wales: North Wales Police area")
    WALES = "wales", _("Wales: police area not known")
    ENGLAND_NORTH_EAST = "england-north-east", _("England: North East")
    ENGLAND_NORTH_WEST = "england-north-west", _("England: North West")
    ENGLAND_YORKSHIRE = "england-yorkshire", _("England: Yorkshire and the Humber")
    ENGLAND_EAST_MIDLANDS = "england-east-midlands", _("England: East Midlands")
    ENGLAND_WEST_MIDLANDS = "england-west-midlands", _("England: West Midlands")
    ENGLAND_EAST = "england-east", _("England: East of England")
    ENGLAND_LONDON = "england-london", _("England: London")
    ENGLAND_SOUTH_EAST = "england-south-east", _("England: South East")
    ENGLAND_SOUTH_WEST = "england-south-west", _("England: South West")
    ENGLAND = "england", _("England: region not known")
    SCOTLAND = "scotland", _("Scotland")
    NORTHERN_IRELAND = "northern-ireland", _("Northern Ireland")
    UNKNOWN = "unknown", _("Not known")


def nation_of(region: str) -> str:
    """The nation a region belongs to (``wales-gwent`` -> ``wales``)."""
    if region not in Region.values:
        raise ValueError(f"unknown region {region!r}")
    # Only Wales and England are divided; their regions are prefixed with the nation.
    head = region.split("-", 1)[0]
    return head if head in {"wales", "england"} else region


def regions_in(nation: str) -> list[str]:
    """Every region value that belongs to ``nation``."""
    if nation not in Nation.values:
        raise ValueError(f"unknown nation {nation!r}; choose from {', '.join(Nation.values)}")
    return [r for r in Region.values if nation_of(r) == nation]


class HeardFrom(models.TextChoices):
    POLICE = "police", _("Police contact or leaflet at a search")
    SEARCH_WARNING = "search-warning", _("A search engine warning")
    MEDIA = "media", _("Media (TV, radio, press)")
    WEB = "web", _("Web (our site or another)")
    OTHER = "other", _("Other")
    NOT_SAID = "not-said", _("Not said")


class Topic(models.TextChoices):
    ONLINE_IMAGES = "online-images", _("Viewing sexual images of children online")
    THOUGHTS = "thoughts", _("Sexual thoughts about children")
    ARREST = "arrest", _("Arrest or police investigation")
    FAMILY_IMPACT = "family-impact", _("Impact on the family")
    CHILD_SAFETY = "child-safety", _("Keeping children safe")
    MENTAL_HEALTH = "mental-health", _("Mental health or suicidal thoughts")
    PAST_ABUSE = "past-abuse", _("Abuse in the past")
    OTHER = "other", _("Other")


class Offer(models.TextChoices):
    INFORMATION = "information", _("Information")
    SELF_HELP = "self-help", _("Self-help")
    CALL_BACK = "call-back", _("Call back")
    REFERRAL = "referral", _("Referral to a service")


class EscalatedTo(models.TextChoices):
    POLICE_EMERGENCY = "police-999", _("Police (999, immediate risk)")
    POLICE = "police-101", _("Police (101)")
    CHILDRENS_SERVICES = "childrens-services", _("Children's services or MASH")
    NSPCC = "nspcc", _("NSPCC")
    OTHER = "other", _("Another safeguarding agency")


class Concern(models.TextChoices):
    IMMEDIATE = "immediate", _("A child at immediate risk")
    ONGOING = "ongoing", _("A child at risk of harm")
    DISCLOSURE = "disclosure", _("Disclosure of abuse of an identifiable child")
