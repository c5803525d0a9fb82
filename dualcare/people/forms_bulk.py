"""Forms of the organisation admin's bulk pages: importing people, merging two records."""

from django import forms

from dualcare import limits
from dualcare.ids import as_uuid

from .forms import NHSForm
from .importing import PAGE_MAX_BYTES


class PeopleImportForm(NHSForm):
    file = forms.FileField(
        label="Upload a CSV file",
        help_text="Saved as CSV (UTF-8), its first line naming the columns.",
        error_messages={"required": "Choose a CSV file to upload."},
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > PAGE_MAX_BYTES:
            raise forms.ValidationError(
                "The file must be smaller than 1 MB. Import larger files with the import_people command."
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file must be a CSV saved as UTF-8.") from None


def _record_id(value: str):
    record_id = as_uuid(value.strip())
    if record_id is None:
        raise forms.ValidationError("Enter a record's id, like 4f6b2c1e-8a3d-4e5f-9b7a-1c2d3e4f5a6b.")
    return record_id


class PeopleMergeForm(NHSForm):
    kept = forms.CharField(
        label="The record to keep",
        max_length=36,
        help_text="Its id, from the address of the record's page or the import report.",
        error_messages={"required": "Enter the id of the record to keep."},
    )
    merged = forms.CharField(
        label="The record to merge into it",
        max_length=36,
        help_text="Everything on this record moves to the one you keep.",
        error_messages={"required": "Enter the id of the record to merge."},
    )
    reason = limits.text(
        what="a reason",
        max_length=limits.SHORT_TEXT,
        label="Why are these the same person?",
        error_messages={"required": "Say why these are the same person."},
    )

    def clean_kept(self):
        return _record_id(self.cleaned_data["kept"])

    def clean_merged(self):
        return _record_id(self.cleaned_data["merged"])
