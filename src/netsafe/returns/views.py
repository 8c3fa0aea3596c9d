"""The upload page: a supervisor sends their force's return and sees the same report as the CLI."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views.generic import FormView

from netsafe.accounts.permissions import UPLOAD, allowed
from netsafe.audit.context import audit_context

from .forms import UploadForm
from .importer import import_return


def uploads_returns(user) -> bool:
    """Supervisors of a force upload that force's returns (the gate's ``upload`` on returns)."""
    return allowed(user, UPLOAD, "returns")


class UploadView(LoginRequiredMixin, FormView):
    template_name = "returns/upload.html"
    form_class = UploadForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not uploads_returns(request.user):
            raise Http404("No returns here.")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["return_file"]
        content = b"".join(upload.chunks())
        with audit_context(reason=f"return uploaded by a supervisor of {self.request.user.force}"):
            result = import_return(
                content,
                upload.name,
                user=self.request.user,
                only_force=self.request.user.force.slug,
            )
        return self.render_to_response(
            self.get_context_data(form=UploadForm(), result=result, file_name=upload.name)
        )
