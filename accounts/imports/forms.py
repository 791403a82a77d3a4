"""The upload form: what the file holds and the file itself."""

from __future__ import annotations

from django import forms

from accounts.models import ImportKind
from kam.imports.reading import EXTENSIONS, extension_of


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="The file holds", choices=ImportKind.choices)
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="CSV (UTF-8, comma or semicolon) or Excel .xlsx, with the layout's header row.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    blanks = forms.ChoiceField(
        label="Blank cells",
        choices=[
            ("keep", "Keep the stored value (a partial file changes only what it fills in)"),
            ("clear", "Clear the stored value (the file is the whole truth)"),
        ],
        initial="keep",
        widget=forms.RadioSelect,
        required=False,
        help_text="For rows that update a stored record; a new record's blank cells are blank.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if extension_of(upload.name) not in EXTENSIONS:
            raise forms.ValidationError("Upload a CSV (.csv) or Excel (.xlsx) file.")
        return upload
