"""The supervisors' upload form."""

from __future__ import annotations

from django import forms

#: A return of a whole operation's force is a few megabytes; refuse anything far larger.
MAX_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    return_file = forms.FileField(
        label="Return file",
        help_text="Your force's return as JSON Lines (.jsonl), as your records system exports it.",
    )

    def clean_return_file(self):
        upload = self.cleaned_data["return_file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1e6:.0f} MB: a return can be at most "
                f"{MAX_BYTES / 1e6:.0f} MB."
            )
        return upload
