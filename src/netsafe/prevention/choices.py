"""The fixed vocabularies of the helpline log, as the charity counts them."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    CHAT = "chat", "Live chat"
    EMAIL = "email", "Secure e-mail"


class CallerType(models.TextChoices):
    SELF = "self", "Worried about their own thoughts or behaviour"
    FAMILY = "family", "A family member or friend"
    PROFESSIONAL = "professional", "A professional"
    SURVIVOR = "survivor", "A survivor"
    OTHER = "other", "Other"


class Offending(models.TextChoices):
    """Whether the person the call is about has offended, as the charity counts it."""

    NOT_OFFENDED = "none", "Has not offended"
    ONLINE = "online", "Online offending"
    CONTACT = "contact", "Contact offending"
    BOTH = "both", "Online and contact offending"
    NOT_SAID = "not-said", "Not said or not known"


class Nation(models.TextChoices):
    """The regions the aggregate interface publishes (disjoint, never nested)."""

    WALES = "wales", "Wales"
    ENGLAND = "england", "England"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"
    UNKNOWN = "unknown", "Not known"


class Region(models.TextChoices):
    """Where the caller lives: Wales by police force area, England by region."""

    WALES_SOUTH_WALES = "wales-south-wales", "Wales: South Wales Police area"
    WALES_GWENT = "wales-gwent", "Wales: Gwent Police area"
    WALES_DYFED_POWYS = "wales-dyfed-powys", "Wales: Dyfed-Powys Police area"
    WALES_NORTH_WALES = "wales-north-wales", "Wales: North Wales Police area"
    WALES = "wales", "Wales: police area not known"
    ENGLAND_NORTH_EAST = "england-north-east", "England: North East"
    ENGLAND_NORTH_WEST = "england-north-west", "England: North West"
    ENGLAND_YORKSHIRE = "england-yorkshire", "England: Yorkshire and the Humber"
    ENGLAND_EAST_MIDLANDS = "england-east-midlands", "England: East Midlands"
    ENGLAND_WEST_MIDLANDS = "england-west-midlands", "England: West Midlands"
    ENGLAND_EAST = "england-east", "England: East of England"
    ENGLAND_LONDON = "england-london", "England: London"
    ENGLAND_SOUTH_EAST = "england-south-east", "England: South East"
    ENGLAND_SOUTH_WEST = "england-south-west", "England: South West"
    ENGLAND = "england", "England: region not known"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"
    UNKNOWN = "unknown", "Not known"


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
    POLICE = "police", "Police contact or leaflet at a search"
    SEARCH_WARNING = "search-warning", "A search engine warning"
    MEDIA = "media", "Media (TV, radio, press)"
    WEB = "web", "Web (our site or another)"
    OTHER = "other", "Other"
    NOT_SAID = "not-said", "Not said"


class Topic(models.TextChoices):
    ONLINE_IMAGES = "online-images", "Viewing sexual images of children online"
    THOUGHTS = "thoughts", "Sexual thoughts about children"
    ARREST = "arrest", "Arrest or police investigation"
    FAMILY_IMPACT = "family-impact", "Impact on the family"
    CHILD_SAFETY = "child-safety", "Keeping children safe"
    MENTAL_HEALTH = "mental-health", "Mental health or suicidal thoughts"
    PAST_ABUSE = "past-abuse", "Abuse in the past"
    OTHER = "other", "Other"


class Offer(models.TextChoices):
    INFORMATION = "information", "Information"
    SELF_HELP = "self-help", "Self-help"
    CALL_BACK = "call-back", "Call back"
    REFERRAL = "referral", "Referral to a service"


class EscalatedTo(models.TextChoices):
    POLICE_EMERGENCY = "police-999", "Police (999, immediate risk)"
    POLICE = "police-101", "Police (101)"
    CHILDRENS_SERVICES = "childrens-services", "Children's services or MASH"
    NSPCC = "nspcc", "NSPCC"
    OTHER = "other", "Another safeguarding agency"


class Concern(models.TextChoices):
    IMMEDIATE = "immediate", "A child at immediate risk"
    ONGOING = "ongoing", "A child at risk of harm"
    DISCLOSURE = "disclosure", "Disclosure of abuse of an identifiable child"
