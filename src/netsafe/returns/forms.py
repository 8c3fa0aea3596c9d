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


class ConfirmForm(forms.Form):
    """Store the return just previewed (its file waits under a token)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    replace_on_screen = forms.BooleanField(
        required=False,
        label="Replace the records entered on screen listed above with the return's values",
    )

    def __init__(self, *args, on_screen: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not on_screen:
            del self.fields["replace_on_screen"]

    def clean_replace_on_screen(self):
        return bool(self.cleaned_data.get("replace_on_screen"))
