"""Directory forms: the search, an entry kept by its organisation's admins, and an import. The
entry form builds the same record an import reads (oruk.ServiceRecord), so both are checked alike."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django import forms

from dualcare import clock
from dualcare.people.forms import NHSForm

from . import oruk
from .models import OpeningTime, Service

MAX_UPLOAD = 10 * 1024 * 1024
DAY_NAMES = {day.label.lower(): day.value for day in OpeningTime.Day}
OPENING_LINE = re.compile(
    r"^(?P<day>[a-z]+)\s+(?P<opens>\d{1,2}[:.]\d\d)\s*(?:-|–|to)\s*(?P<closes>\d{1,2}[:.]\d\d)$"
)


class SearchForm(NHSForm):
    q = forms.CharField(label="Words in the name or description", required=False, max_length=100)
    need = forms.ChoiceField(label="Need", required=False)
    place = forms.CharField(
        label="Place",
        required=False,
        max_length=60,
        help_text="A postcode district (for example NT1), a postcode or a town.",
    )
    age = forms.IntegerField(
        label="Age of the person",
        required=False,
        min_value=0,
        max_value=120,
        error_messages={
            "invalid": "Enter the age as a whole number of years, like 34.",
            "min_value": "The age must be 0 or more.",
            "max_value": "The age must be 120 or less.",
        },
    )
    gender = forms.ChoiceField(
        label="Services for",
        required=False,
        choices=[("", "Anyone"), (Service.Gender.WOMEN, "Women"), (Service.Gender.MEN, "Men")],
    )
    area = forms.CharField(label="Area the person lives in", required=False, max_length=100)
    open_now = forms.BooleanField(label="Open now", required=False)

    # The person's own "Services near you" asks the same in their words.
    PORTAL_LABELS = {
        "q": "Words to look for",
        "need": "What would you like help with?",
        "place": "Where",
        "age": "Your age",
        "gender": "Show services for",
        "area": "The area you live in",
    }

    def __init__(self, *args, needs, portal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if portal:
            for name, label in self.PORTAL_LABELS.items():
                self.fields[name].label = label
            self.fields["age"].error_messages["invalid"] = "Enter your age as a whole number, like 34."
        self.needs = {str(need.pk): need for need in needs}
        self.fields["need"].choices = [("", "Any need")] + [
            (key, need.name) for key, need in self.needs.items()
        ]
        self.fields["need"].error_messages["invalid_choice"] = "Choose a need from the list."
        self.fields["gender"].error_messages["invalid_choice"] = (
            "Choose who the service is for from the list."
        )

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean_place(self):
        return " ".join(self.cleaned_data["place"].split())


class EntryForm(NHSForm):
    name = forms.CharField(
        label="Name of the service",
        max_length=200,
        error_messages={"required": "Enter the name of the service."},
    )
    provider = forms.CharField(
        label="Run by",
        max_length=200,
        help_text="The organisation that runs it, for example a housing association or a charity.",
        error_messages={"required": "Enter who runs the service."},
    )
    team = forms.ChoiceField(
        label="Your team that offers it (if it is one of yours)",
        required=False,
        help_text="Referrers to that team read this entry's criteria before they send.",
    )
    description = forms.CharField(
        label="What it offers",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what the service offers."},
    )
    status = forms.ChoiceField(
        label="Is it running?",
        choices=Service.Status.choices,
        widget=forms.RadioSelect,
        initial=Service.Status.ACTIVE,
    )
    needs = forms.MultipleChoiceField(
        label="Needs it meets", required=False, widget=forms.CheckboxSelectMultiple
    )
    eligibility = forms.CharField(
        label="Who it is for (eligibility criteria)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who can use it and who cannot, in plain words. Dual diagnosis is not a reason to exclude.",
    )
    minimum_age = forms.IntegerField(
        label="Youngest age (optional)", required=False, min_value=0, max_value=120
    )
    maximum_age = forms.IntegerField(
        label="Oldest age (optional)", required=False, min_value=0, max_value=120
    )
    gender = forms.ChoiceField(label="For", choices=Service.Gender.choices, initial=Service.Gender.ANY)
    area = forms.CharField(
        label="Area it serves (optional)", required=False, max_length=100, help_text="Empty for anywhere."
    )
    referral_methods = forms.MultipleChoiceField(
        label="How people get to it",
        required=False,
        choices=Service.Referral.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    how_to_refer = forms.CharField(
        label="How to refer, in words (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(label="Phone (optional)", required=False, max_length=40)
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )
    url = forms.URLField(
        label="Website (optional)",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address like https://example.org."},
    )
    languages = forms.CharField(
        label="Languages other than English (optional)",
        required=False,
        max_length=200,
        help_text="Separate them with commas.",
    )
    cost = forms.CharField(
        label="Cost (optional)", required=False, max_length=300, help_text="Leave empty if it is free."
    )
    location_name = forms.CharField(label="Name of the place (optional)", required=False, max_length=200)
    address = forms.CharField(label="Address (optional)", required=False, max_length=300)
    locality = forms.CharField(label="Town", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    opening_times = forms.CharField(
        label="Opening times (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One day a line, for example: Monday 09:00-17:00",
    )

    def __init__(self, *args, needs, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.need_objects = {str(need.pk): need for need in needs}
        self.team_objects = {str(team.pk): team for team in teams}
        self.fields["needs"].choices = [(key, need.name) for key, need in self.need_objects.items()]
        self.fields["team"].choices = [("", "None: it is another organisation's")] + [
            (key, team.name) for key, team in self.team_objects.items()
        ]

    def clean_postcode(self):
        value = self.cleaned_data["postcode"]
        if not value:
            return ""
        try:
            return oruk.postcode_clean(value)[0]
        except oruk.Refused:
            raise forms.ValidationError("Enter a UK postcode, like NT1 4AB.") from None

    def clean_opening_times(self):
        times = []
        for line in self.cleaned_data["opening_times"].splitlines():
            line = " ".join(line.lower().split())
            if not line:
                continue
            match = OPENING_LINE.match(line)
            if not match or match["day"] not in DAY_NAMES:
                raise forms.ValidationError(
                    f"Write each day as a day and two times, like Monday 09:00-17:00 (not '{line[:40]}')."
                )
            try:
                opens, closes = (
                    dt.time.fromisoformat(match[key].replace(".", ":").zfill(5))
                    for key in ("opens", "closes")
                )
            except ValueError:
                raise forms.ValidationError(f"'{line[:40]}' has a time that does not exist.") from None
            if closes <= opens:
                raise forms.ValidationError(
                    f"On {match['day'].title()} the closing time must be after the opening time."
                )
            times.append((DAY_NAMES[match["day"]], opens, closes))
        return times

    def clean(self):
        data = super().clean()
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", "The oldest age must be the same as or above the youngest age.")
        place = [data.get("address"), data.get("locality"), data.get("postcode")]
        if any(place) and not all(place):
            for name, value in zip(("address", "locality", "postcode"), place, strict=True):
                if not value and name not in self.errors:
                    self.add_error(name, "Give the address, town and postcode of the place, or none of them.")
        if Service.Referral.DUALCARE in data.get("referral_methods", []) and not data.get("team"):
            self.add_error("team", "A DualCare referral goes to one of your teams: choose it.")
        return data

    def record(self, *, existing: Service | None) -> oruk.ServiceRecord:
        data = self.cleaned_data
        provider_name = data["provider"]
        if existing is not None and existing.provider.name == provider_name:
            provider_id = existing.provider_id
        else:
            provider_id = uuid.uuid5(uuid.NAMESPACE_URL, f"dualcare-provider:{provider_name.lower()}")
        team = self.team_objects.get(data.get("team") or "")
        record = oruk.ServiceRecord(
            id=existing.pk if existing else uuid.uuid4(),
            name=data["name"],
            description=data["description"],
            status=data["status"],
            provider_id=provider_id,
            provider_name=provider_name,
            eligibility=data["eligibility"],
            minimum_age=data.get("minimum_age"),
            maximum_age=data.get("maximum_age"),
            gender=data["gender"],
            area=data["area"],
            referral_methods=list(data["referral_methods"]),
            how_to_refer=data["how_to_refer"],
            phone=data["phone"],
            email=data["email"],
            url=data["url"],
            languages=[part.strip() for part in data["languages"].split(",") if part.strip()],
            cost=data["cost"],
            last_checked=clock.today(),
            team_name=team.name if team else "",
            needs=[
                (need.code, need.name, need.description, need.pk)
                for key, need in self.need_objects.items()
                if key in data["needs"]
            ],
            opening_times=data.get("opening_times") or [],
        )
        if existing is not None:
            record.provider_description = existing.provider.description
            record.provider_website = existing.provider.website
            record.provider_email = existing.provider.email
        if data.get("address"):
            place_id = (
                existing.locations.all()[0].pk
                if existing is not None and existing.locations.all()
                else uuid.uuid4()
            )
            record.locations = [
                oruk.LocationRecord(
                    id=place_id,
                    name=data["location_name"],
                    address=data["address"],
                    locality=data["locality"],
                    postcode=data["postcode"],
                )
            ]
        return record

    @classmethod
    def initial_from(cls, service: Service) -> dict:
        place = service.locations.all()[0] if service.locations.all() else None
        day_names = dict(OpeningTime.Day.choices)
        return {
            "name": service.name,
            "provider": service.provider.name,
            "team": str(service.team_id) if service.team_id else "",
            "description": service.description,
            "status": service.status,
            "needs": [str(need.pk) for need in service.needs.all()],
            "eligibility": service.eligibility,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "gender": service.gender,
            "area": service.area,
            "referral_methods": service.referral_methods,
            "how_to_refer": service.how_to_refer,
            "phone": service.phone,
            "email": service.email,
            "url": service.url,
            "languages": ", ".join(service.languages),
            "cost": service.cost,
            "location_name": place.name if place else "",
            "address": place.address if place else "",
            "locality": place.locality if place else "",
            "postcode": place.postcode if place else "",
            "opening_times": "\n".join(
                f"{day_names[time.weekday]} {time.opens_at:%H:%M}-{time.closes_at:%H:%M}"
                for time in service.opening_times.all()
            ),
        }


class ImportForm(NHSForm):
    keeper = forms.ChoiceField(label="Organisation that keeps these entries")
    file = forms.FileField(
        label="Open Referral UK file",
        help_text="A .json file in the API shape (a page of services, or a list), a services.csv, "
        "or a .zip of the CSV export. Up to 10 MB.",
        error_messages={"required": "Choose a file to import.", "empty": "The file is empty."},
    )

    def __init__(self, *args, keepers, **kwargs):
        super().__init__(*args, **kwargs)
        self.keeper_objects = {str(organisation.pk): organisation for organisation in keepers}
        self.fields["keeper"].choices = [
            (key, organisation.name) for key, organisation in self.keeper_objects.items()
        ]
        self.fields["keeper"].error_messages["invalid_choice"] = (
            "Choose an organisation you keep entries for."
        )
        if len(self.keeper_objects) == 1:
            self.fields["keeper"].initial = next(iter(self.keeper_objects))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file must be smaller than 10 MB.")
        if not upload.name.lower().endswith((".json", ".csv", ".zip")):
            raise forms.ValidationError("The file must be a .json, a .csv or a .zip of the CSV export.")
        return upload
