"""Settings of the prevention app, with their defaults."""

from __future__ import annotations

from django.conf import settings

#: The helpline shown on every public page. Override with settings ``PREVENTION_HELPLINE``.
DEFAULT_HELPLINE = {
    "charity": "Stop It Now! Wales",
    "name": "Stop It Now! helpline",
    "phone": "0808 1000 900",
    "promise": "Free, confidential and anonymous. You do not have to give your name.",
}


def helpline() -> dict[str, str]:
    """The helpline details: defaults updated from settings ``PREVENTION_HELPLINE``."""
    details = {**DEFAULT_HELPLINE, **getattr(settings, "PREVENTION_HELPLINE", {})}
    details["tel"] = "tel:" + "".join(c for c in details["phone"] if c.isdigit() or c == "+")
    return details
