"""The upload page: a supervisor sends their force's return, sees what it would do, then confirms.

Nothing is stored by the upload itself: the page first shows what the return
would add and replace (and which of the replaced records were entered on the
pages, which need an explicit confirmation), or every problem of a rejected
file with a 400. The file waits under ``NETSAFE_VAR/returns-pending`` for the
confirmation, named by a random token kept in the uploader's session.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views.generic import FormView

from netsafe.accounts.permissions import UPLOAD, allowed
from netsafe.audit.context import audit_context

from .forms import ConfirmForm, UploadForm
from .importer import import_return

#: The session key of the return waiting for confirmation.
PENDING = "returns-pending"


def uploads_returns(user) -> bool:
    """Supervisors of a force upload that force's returns (the gate's ``upload`` on returns)."""
    return allowed(user, UPLOAD, "returns")


def pending_dir() -> Path:
    """Where uploaded returns wait for their confirmation."""
    return Path(settings.VAR_DIR) / "returns-pending"


class UploadView(LoginRequiredMixin, FormView):
    template_name = "returns/upload.html"
    form_class = UploadForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not uploads_returns(request.user):
            raise Http404("No returns here.")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm(ConfirmForm(request.POST))
        return super().post(request, *args, **kwargs)

    def _import(self, content: bytes, name: str, **options):
        user = self.request.user
        with audit_context(reason=f"return uploaded by a supervisor of {user.force}"):
            return import_return(content, name, user=user, only_force=user.force.slug, **options)

    def _render(self, status: int = 200, **context):
        context.setdefault("form", UploadForm())
        response = self.render_to_response(self.get_context_data(**context))
        response.status_code = status
        return response

    def form_valid(self, form):
        upload = form.cleaned_data["return_file"]
        content = b"".join(upload.chunks())
        result = self._import(content, upload.name, preview=True, replace_on_screen=True)
        if not result.ok:
            return self._render(400, result=result, file_name=upload.name)
        self._forget_pending()
        token = secrets.token_urlsafe(24)
        folder = pending_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{token}.jsonl").write_bytes(content)
        self.request.session[PENDING] = {
            "token": token,
            "name": upload.name,
            "sha256": result.sha256,
        }
        confirm = ConfirmForm(initial={"token": token}, on_screen=bool(result.on_screen))
        return self._render(result=result, file_name=upload.name, confirm=confirm)

    def confirm(self, form: ConfirmForm):
        pending = self.request.session.get(PENDING) or {}
        if not form.is_valid() or form.cleaned_data["token"] != pending.get("token"):
            return self._render(
                400, expired=True, form=UploadForm(), file_name=pending.get("name", "")
            )
        path = pending_dir() / f"{pending['token']}.jsonl"
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            self.request.session.pop(PENDING, None)
            return self._render(400, expired=True)
        result = self._import(
            content,
            pending["name"],
            replace_on_screen=form.cleaned_data.get("replace_on_screen", False),
        )
        if not result.ok:
            # Refused (records entered on screen, not confirmed): the file stays for a
            # second try with the box ticked.
            confirm = ConfirmForm(initial={"token": pending["token"]}, on_screen=True)
            return self._render(400, result=result, file_name=pending["name"], confirm=confirm)
        self._forget_pending()
        return self._render(result=result, file_name=pending["name"])

    def _forget_pending(self) -> None:
        pending = self.request.session.pop(PENDING, None)
        if pending:
            (pending_dir() / f"{pending['token']}.jsonl").unlink(missing_ok=True)
