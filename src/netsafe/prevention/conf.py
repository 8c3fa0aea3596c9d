"""Settings of the prevention app, with their defaults."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

#: The helpline shown on every public page. Override with settings ``PREVENTION_HELPLINE``.
#: ``exit_url`` is where "Leave this site quickly" goes: an ordinary, harmless page.
DEFAULT_HELPLINE = {
    "charity": _("Stop It Now! Wales"),
    "name": _("Stop It Now! helpline"),
    "phone": "0808 1000 900",
    "promise": _("Free, confidential and anonymous. You do not have to give your name."),
    "exit_url": "https://www.bbc.co.uk/weather",
}


def helpline() -> dict[str, str]:
    """The helpline details: defaults updated from settings ``PREVENTION_HELPLINE``."""
    details = {**DEFAULT_HELPLINE, **getattr(settings, "PREVENTION_HELPLINE", {})}
    details["tel"] = "tel:" + "".join(c for c in details["phone"] if c.isdigit() or c == "+")
    return details
