"""Forms of information packs: a new pack, a document to upload into one, an entry to add to one."""

from __future__ import annotations

from django import forms

from dualcare import limits
from dualcare.people.forms import NHSForm


class PackForm(NHSForm):
    team = forms.ChoiceField(
        label="Team the pack is for", error_messages={"required": "Choose the team the pack is for."}
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example, Dual diagnosis induction pack.",
        error_messages={"required": "Enter a title for the pack."},
    )
    introduction = forms.CharField(
        label="Introduction (optional)",
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Printed on the pack's cover: who it is for and how to use it.",
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_objects = {str(team.pk): team for team in teams}
        self.fields["team"].choices = [("", "Choose a team")] + [
            (key, team.name) for key, team in self.team_objects.items()
        ]
        self.fields["team"].error_messages["invalid_choice"] = "Choose one of your organisation's teams."


class DocumentForm(NHSForm):
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="What the document is, as the pack's contents will list it.",
        error_messages={"required": "Enter a title for the document."},
    )
    file = forms.FileField(
        label="PDF file",
        error_messages={"required": "Choose a PDF file to upload.", "empty": "The file is empty."},
    )

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        limit = settings.DIRECTORY_UPLOAD_MAX_BYTES
        if upload.size > limit:  # said before the file is read; its content is checked by the service
            raise forms.ValidationError(f"The file must be {limit / (1024 * 1024):g} MB or smaller.")
        return upload


class AddToPackForm(NHSForm):
    pack = forms.ChoiceField(
        label="Information pack", error_messages={"required": "Choose a pack to add this entry to."}
    )

    def __init__(self, *args, packs, **kwargs):
        super().__init__(*args, **kwargs)
        self.pack_objects = {str(pack.pk): pack for pack in packs}
        self.fields["pack"].choices = [("", "Choose a pack")] + [
            (key, f"{pack.title} ({pack.team.name})") for key, pack in self.pack_objects.items()
        ]
        self.fields["pack"].error_messages["invalid_choice"] = "Choose one of your organisation's packs."


class PackSearchForm(NHSForm):
    q = forms.CharField(label="Words in the title or team", required=False, max_length=100)

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())
