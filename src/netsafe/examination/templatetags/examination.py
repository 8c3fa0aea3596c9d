"""The triage panel on the exhibit page: ``{% load examination %}{% triage_panel object %}``."""

from __future__ import annotations

from django import template

from netsafe.examination import access, evidence, grading, leads
from netsafe.examination.models import JobStatus

register = template.Library()


def latest_job(device, user):
    """The device's most recent triage job ``user`` may read, or None."""
    return access.jobs_readable(user).filter(device=device).first()


@register.simple_tag(takes_context=True)
def triage_pending(context, device) -> bool:
    """Whether the device's latest triage is still queued or running (the page refreshes)."""
    job = latest_job(device, context["request"].user)
    return job is not None and not job.finished


@register.inclusion_tag("examination/panel.html", takes_context=True)
def triage_panel(context, device) -> dict:
    """The device's triage: queue form, progress, report and confirmed counts."""
    request = context["request"]
    user = request.user
    job = latest_job(device, user)
    can_queue = access.devices_to_examine(user).filter(pk=device.pk).exists()
    out = {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "device": device,
        "job": job,
        "can_queue": can_queue and (job is None or job.finished),
        "can_review": can_queue,
        "items": evidence.items() if can_queue else [],
        "done": job is not None and job.status == JobStatus.DONE,
    }
    if out["done"]:
        summary = job.report["summary"]
        tally = grading.tally(job)
        out.update(
            summary=summary,
            priority=leads.priority(job),
            integrity=job.report.get("integrity") or {},
            confirmed=tally["confirmed"],
            graded=(tally["graded"], tally["total"]),
        )
    return out
