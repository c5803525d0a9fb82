"""Open Referral UK (the UK profile of HSDS 3.0): reading its JSON API shape and CSV export into
entries the importer can write, and writing entries back out in its shape for the API.

The standard's schemas are vendored in directory/oruk_schema/ (with their licence and source):
the tests validate what we serve against them. Reading is strict where our search depends on a
field (ids, name, status, ages, postcode, opening times, the date last checked) and lenient about
what we do not keep. Fields the UK profile lacks and DualCare needs travel as extra properties,
which the profile allows: `eligibility_description` and `application_process` (HSDS 3.0),
`phones` and `languages[].name` (HSDS 3.0), and `x_dualcare_gender`,
`x_dualcare_referral_methods`, `x_dualcare_team` (ours).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.text import slugify

from dualcare import clock

from .models import NEEDS_TAXONOMY, OpeningTime, Service

PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile"
NEEDS_TAXONOMY_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://dualcare.example/taxonomies/needs")
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# A UK postcode: outward code (area, district) and inward code.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
MAX_ROWS = 5000


class Refused(Exception):
    """One service that cannot be taken, and why (in words an organisation admin can act on)."""


@dataclass
class LocationRecord:
    id: uuid.UUID
    name: str
    address: str
    locality: str
    postcode: str


@dataclass
class ServiceRecord:
    """One service read from a file, checked, ready to write."""

    id: uuid.UUID
    name: str
    description: str
    status: str
    provider_id: uuid.UUID
    provider_name: str
    provider_description: str = ""
    provider_website: str = ""
    provider_email: str = ""
    eligibility: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    gender: str = Service.Gender.ANY
    area: str = ""
    referral_methods: list[str] = field(default_factory=list)
    how_to_refer: str = ""
    phone: str = ""
    email: str = ""
    url: str = ""
    languages: list[str] = field(default_factory=list)
    cost: str = ""
    last_checked: dt.date | None = None
    team_name: str = ""
    # (code, name, description, the term's id in the file or None)
    needs: list[tuple[str, str, str, uuid.UUID | None]] = field(default_factory=list)
    locations: list[LocationRecord] = field(default_factory=list)
    opening_times: list[tuple[int, dt.time, dt.time]] = field(default_factory=list)


def postcode_clean(value: str) -> tuple[str, str]:
    """("NT1 4AB", "NT1") from any spacing and case; Refused if it is not a UK postcode."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    match = POSTCODE.match(compact)
    if not match:
        raise Refused(f"'{value}' is not a UK postcode")
    return f"{match[1]} {match[2]}", match[1]


def _text(value, *, limit: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise Refused(f"{what} must be text")
    text = str(value).strip()
    if len(text) > limit:
        raise Refused(f"{what} is longer than {limit} characters")
    return text


def _uuid(value, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Refused(f"{what} '{value}' is not a UUID") from None


def _age(value, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Refused(f"{what} '{value}' is not a number") from None
    if number != int(number) or not 0 <= number <= 120:
        raise Refused(f"{what} must be a whole number of years from 0 to 120")
    return int(number)


def _date(value, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    text = str(value)[:10]
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(f"{what} '{value}' is not a date (YYYY-MM-DD)") from None
    return day


def _time(value, what: str) -> dt.time:
    # HH:MM or HH:MM:SS, with an optional zone suffix (Z or +01:00) the standard allows: the
    # directory's times are London wall-clock times, so the suffix is dropped.
    text = re.sub(r"(Z|[+-]\d\d:?\d\d)$", "", str(value or "").strip())
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise Refused(f"{what} '{value}' is not a time (HH:MM)") from None


def _email(value, what: str) -> str:
    text = _text(value, limit=254, what=what)
    if text:
        try:
            EmailValidator()(text)
        except ValidationError:
            raise Refused(f"{what} '{text}' is not an email address") from None
    return text


def _url(value, what: str) -> str:
    text = _text(value, limit=200, what=what)
    if text:
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise Refused(f"{what} '{text}' is not a web address (http or https)") from None
    return text


def _list(value, what: str) -> list:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise Refused(f"{what} must be a list")
    return [item for item in value if isinstance(item, dict)]


def service_record(raw) -> ServiceRecord:
    """Check one Open Referral service (the fully nested shape of /services/{id}); Refused says why."""
    if not isinstance(raw, dict):
        raise Refused("is not a service object")
    service_id = _uuid(raw.get("id"), "id")
    name = _text(raw.get("name"), limit=200, what="name")
    if not name:
        raise Refused("has no name")
    description = _text(raw.get("description"), limit=5000, what="description")
    if not description:
        raise Refused("has no description")
    status = raw.get("status")
    if status not in Service.Status.values:
        raise Refused(f"status '{status}' is not one of {', '.join(Service.Status.values)}")
    organization = raw.get("organization")
    if not isinstance(organization, dict) or not organization.get("name"):
        raise Refused("names no organization that provides it")
    minimum, maximum = (
        _age(raw.get("minimum_age"), "minimum_age"),
        _age(raw.get("maximum_age"), "maximum_age"),
    )
    if minimum is not None and maximum is not None and minimum > maximum:
        raise Refused(f"minimum_age {minimum} is above maximum_age {maximum}")
    checked = _date(raw.get("assured_date"), "assured_date") or _date(
        raw.get("last_modified"), "last_modified"
    )
    if checked is None:
        raise Refused("has no date it was last checked (assured_date)")
    if checked > clock.today() + dt.timedelta(days=1):
        raise Refused(f"assured_date {checked} is in the future")
    gender = raw.get("x_dualcare_gender") or Service.Gender.ANY
    if gender not in Service.Gender.values:
        raise Refused(f"x_dualcare_gender '{gender}' is not one of {', '.join(Service.Gender.values)}")
    methods = raw.get("x_dualcare_referral_methods") or []
    if not isinstance(methods, list) or any(method not in Service.Referral.values for method in methods):
        raise Refused(f"x_dualcare_referral_methods must list some of {', '.join(Service.Referral.values)}")
    record = ServiceRecord(
        id=service_id,
        name=name,
        description=description,
        status=status,
        provider_id=_uuid(organization.get("id"), "organization id"),
        provider_name=_text(organization.get("name"), limit=200, what="organization name"),
        provider_description=_text(
            organization.get("description"), limit=5000, what="organization description"
        ),
        provider_website=_url(organization.get("website"), "organization website"),
        provider_email=_email(organization.get("email"), "organization email"),
        eligibility=_text(raw.get("eligibility_description"), limit=2000, what="eligibility_description"),
        minimum_age=minimum,
        maximum_age=maximum,
        gender=gender,
        referral_methods=list(dict.fromkeys(methods)),
        how_to_refer=_text(raw.get("application_process"), limit=2000, what="application_process"),
        email=_email(raw.get("email"), "email"),
        url=_url(raw.get("url"), "url"),
        last_checked=checked,
        team_name=_text(raw.get("x_dualcare_team"), limit=200, what="x_dualcare_team"),
    )
    areas = _list(raw.get("service_areas"), "service_areas")
    record.area = _text(areas[0].get("name"), limit=100, what="service area name") if areas else ""
    phones = _list(raw.get("phones"), "phones")
    record.phone = _text(phones[0].get("number"), limit=40, what="phone number") if phones else ""
    record.languages = [
        _text(language.get("name"), limit=40, what="language name")
        for language in _list(raw.get("languages"), "languages")
        if language.get("name")
    ]
    record.cost = _cost(raw)
    for attribute in _list(raw.get("attributes"), "attributes"):
        term = attribute.get("taxonomy_term")
        if not isinstance(term, dict) or not term.get("name"):
            continue
        term_name = _text(term.get("name"), limit=100, what="taxonomy term name")
        code = slugify(term.get("term") or term_name)[:60]
        if not code:
            raise Refused(f"taxonomy term '{term_name}' has no code")
        term_id = _uuid(term["id"], "taxonomy term id") if term.get("id") else None
        description = _text(term.get("description"), limit=300, what="term description")
        record.needs.append((code, term_name, description, term_id))
    for at in _list(raw.get("service_at_locations"), "service_at_locations"):
        location = at.get("location")
        if not isinstance(location, dict):
            raise Refused("a service_at_location has no location")
        addresses = _list(location.get("addresses"), "addresses")
        if not addresses:
            raise Refused(f"location '{location.get('name') or location.get('id')}' has no address")
        address = addresses[0]
        postcode, _ = postcode_clean(str(address.get("postal_code") or ""))
        record.locations.append(
            LocationRecord(
                id=_uuid(location.get("id"), "location id"),
                name=_text(location.get("name"), limit=200, what="location name"),
                address=_text(address.get("address_1"), limit=300, what="address_1") or "",
                locality=_text(address.get("city"), limit=100, what="city"),
                postcode=postcode,
            )
        )
        if not record.locations[-1].address or not record.locations[-1].locality:
            raise Refused(f"location '{location.get('name') or location.get('id')}' needs address_1 and city")
    for schedule in _list(raw.get("schedules"), "schedules"):
        record.opening_times += _opening_times(schedule)
    return record


def _cost(raw: dict) -> str:
    options = _list(raw.get("cost_options"), "cost_options")
    words = [
        _text(option.get("option") or option.get("amount_description"), limit=300, what="cost option")
        for option in options
        if option.get("amount") not in (0, "0") or option.get("option")
    ]
    words = [word for word in words if word and word.lower() not in {"free", "no cost"}]
    fees = _text(raw.get("fees"), limit=300, what="fees")
    if fees and fees.lower() not in {"free", "no cost", "none"}:
        words.append(fees)
    return "; ".join(words)[:300]


def _opening_times(schedule: dict) -> list[tuple[int, dt.time, dt.time]]:
    if not schedule.get("byday") and not schedule.get("opens_at"):
        return []  # a schedule described in words only
    freq = str(schedule.get("freq") or "WEEKLY").upper()
    if freq != "WEEKLY":
        raise Refused(f"schedule freq '{freq}' is not WEEKLY (only weekly opening times are read)")
    days = [day.strip().upper() for day in str(schedule.get("byday") or "").split(",") if day.strip()]
    if not days or any(day not in DAYS for day in days):
        raise Refused(f"schedule byday '{schedule.get('byday')}' is not a list of days such as MO,TU")
    opens, closes = _time(schedule.get("opens_at"), "opens_at"), _time(schedule.get("closes_at"), "closes_at")
    if closes <= opens:
        raise Refused(f"schedule closes_at {closes:%H:%M} is not after opens_at {opens:%H:%M}")
    return [(DAYS.index(day), opens, closes) for day in days]


# --- Reading files ---------------------------------------------------------------------------


def services_from_json(content: bytes) -> list:
    """The services of a JSON file: a page of /services (`contents`), a list, or one service."""
    import json

    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Refused(f"the file is not JSON ({error})") from None
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        services = document["contents"]
    elif isinstance(document, list):
        services = document
    elif isinstance(document, dict) and "id" in document:
        services = [document]
    else:
        raise Refused("the file holds no services (a page with 'contents', or a list of services)")
    if len(services) > MAX_ROWS:
        raise Refused(f"the file holds more than {MAX_ROWS:,} services: split it")
    return services


CSV_TABLES = {
    "services",
    "organizations",
    "locations",
    "addresses",
    "service_at_locations",
    "schedules",
    "taxonomy_terms",
    "attributes",
    "service_areas",
    "phones",
    "languages",
    "cost_options",
}


def _csv_rows(content: bytes, name: str) -> list[dict]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(f"{name} is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise Refused(f"{name} has no header row with an id column")
    rows = list(reader)
    if len(rows) > MAX_ROWS * 10:
        raise Refused(f"{name} has too many rows")
    return [{key: (value or "").strip() for key, value in row.items() if key} for row in rows]


def services_from_csv(files: dict[str, bytes]) -> list:
    """Nest the CSV export's tables (services.csv, organizations.csv, locations.csv, ...) into the
    JSON shape, so both are checked by the same rules. `files` maps table name to content."""
    tables = {}
    for file_name, content in files.items():
        table = file_name.rsplit("/", 1)[-1].removesuffix(".csv")
        if table == "service_at_location":
            table = "service_at_locations"  # the example export's singular name
        if table in CSV_TABLES:
            tables[table] = _csv_rows(content, f"{table}.csv")
    if "services" not in tables:
        raise Refused("the export has no services.csv")

    def by(table: str, key: str) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {}
        for row in tables.get(table, []):
            grouped.setdefault(row.get(key, ""), []).append(row)
        return grouped

    organizations = {row["id"]: row for row in tables.get("organizations", [])}
    locations = {row["id"]: row for row in tables.get("locations", [])}
    terms = {row["id"]: row for row in tables.get("taxonomy_terms", [])}
    addresses, at_locations = by("addresses", "location_id"), by("service_at_locations", "service_id")
    schedules, areas = by("schedules", "service_id"), by("service_areas", "service_id")
    attributes, languages = by("attributes", "link_id"), by("languages", "service_id")
    phones, costs = by("phones", "service_id"), by("cost_options", "service_id")
    nested = []
    for row in tables["services"]:
        service = {key: value for key, value in row.items() if value != ""}
        for key in ("x_dualcare_referral_methods",):
            if key in service:
                service[key] = [part.strip() for part in service[key].split(",") if part.strip()]
        organization = organizations.get(row.get("organization_id", ""))
        if organization:
            service["organization"] = organization
        service["service_at_locations"] = [
            {
                "id": at["id"],
                "location": {
                    **locations.get(at.get("location_id", ""), {"id": at.get("location_id")}),
                    "addresses": addresses.get(at.get("location_id", ""), []),
                },
            }
            for at in at_locations.get(row["id"], [])
        ]
        service["schedules"] = schedules.get(row["id"], [])
        service["service_areas"] = areas.get(row["id"], [])
        service["languages"] = languages.get(row["id"], [])
        service["phones"] = phones.get(row["id"], [])
        service["cost_options"] = costs.get(row["id"], [])
        service["attributes"] = [
            {**attribute, "taxonomy_term": terms.get(attribute.get("taxonomy_term_id", ""))}
            for attribute in attributes.get(row["id"], [])
        ]
        nested.append(service)
    return nested


def services_from_file(file_name: str, content: bytes) -> list:
    """The services of an uploaded file: .json (the API shape), .csv (services.csv alone) or
    .zip (the CSV export's tables). Refused names what is wrong with the file as a whole."""
    lower = file_name.lower()
    if lower.endswith(".json"):
        return services_from_json(content)
    if lower.endswith(".csv"):
        return services_from_csv({"services.csv": content})
    if lower.endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = [name for name in archive.namelist() if name.lower().endswith(".csv")]
                if sum(archive.getinfo(name).file_size for name in names) > 50 * 1024 * 1024:
                    raise Refused("the export's tables are larger than 50 MB")
                files = {name: archive.read(name) for name in names}
        except zipfile.BadZipFile:
            raise Refused("the file is not a zip archive") from None
        return services_from_csv(files)
    raise Refused("choose a .json file (the API shape), a services.csv or a .zip of the CSV export")


# --- Writing the shape -----------------------------------------------------------------------


def organization_json(provider) -> dict:
    return {
        "id": str(provider.pk),
        "name": provider.name,
        "description": provider.description or provider.name,
        **({"website": provider.website} if provider.website else {}),
        **({"email": provider.email} if provider.email else {}),
    }


def taxonomy_json() -> dict:
    return {
        "id": str(NEEDS_TAXONOMY_ID),
        "name": NEEDS_TAXONOMY,
        "description": "The needs DualCare's directory files services under.",
        "version": "1",
    }


def taxonomy_term_json(need) -> dict:
    return {
        "id": str(need.pk),
        "name": need.name,
        "description": need.description or need.name,
        "taxonomy": NEEDS_TAXONOMY,
        "taxonomy_id": str(NEEDS_TAXONOMY_ID),
        "term": need.code,
    }


def location_json(location) -> dict:
    return {
        "id": str(location.pk),
        "location_type": "physical",
        "name": location.name or location.address,
        "addresses": [
            {
                "id": str(uuid.uuid5(location.pk, "address")),
                "location_id": str(location.pk),
                "address_1": location.address,
                "city": location.locality,
                "state_province": "",
                "postal_code": location.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }


def service_at_location_json(location) -> dict:
    return {
        "id": str(uuid.uuid5(location.pk, "service_at_location")),
        "service_id": str(location.service_id),
        "location_id": str(location.pk),
        "location": location_json(location),
    }


def _one_to_one(service) -> dict:
    row = {
        "id": str(service.pk),
        "organization_id": str(service.provider_id),
        "name": service.name,
        "description": service.description,
        "status": service.status,
        "assured_date": service.last_checked.isoformat(),
        "last_modified": service.updated_at.isoformat(),
        "eligibility_description": service.eligibility,
        "application_process": service.how_to_refer,
        "x_dualcare_gender": service.gender,
        "x_dualcare_referral_methods": list(service.referral_methods),
    }
    if service.minimum_age is not None:
        row["minimum_age"] = service.minimum_age
    if service.maximum_age is not None:
        row["maximum_age"] = service.maximum_age
    if service.url:
        row["url"] = service.url
    if service.email:
        row["email"] = service.email
    if service.team_id:
        row["x_dualcare_team"] = service.team.name
    return row


def service_list_json(service) -> dict:
    """A service as /services lists it: its one-to-one fields (service_list.json)."""
    return _one_to_one(service)


def service_json(service) -> dict:
    """A service fully nested, as /services/{id} gives it (service.json). Needs the service's
    provider, team, needs, locations and opening times prefetched."""
    row = _one_to_one(service)
    sid = service.pk
    days: dict[tuple, list[str]] = {}
    for opening in service.opening_times.all():
        days.setdefault((opening.opens_at, opening.closes_at), []).append(DAYS[opening.weekday])
    row.update(
        {
            "organization": organization_json(service.provider),
            "service_at_locations": [
                service_at_location_json(location) for location in service.locations.all()
            ],
            "schedules": [
                {
                    "id": str(uuid.uuid5(sid, f"schedule {opens} {closes}")),
                    "service_id": str(sid),
                    "freq": "WEEKLY",
                    "byday": ",".join(byday),
                    "opens_at": f"{opens:%H:%M}",
                    "closes_at": f"{closes:%H:%M}",
                }
                for (opens, closes), byday in days.items()
            ],
            "service_areas": (
                [{"id": str(uuid.uuid5(sid, "area")), "service_id": str(sid), "name": service.area}]
                if service.area
                else []
            ),
            "languages": [
                {"id": str(uuid.uuid5(sid, f"language {name}")), "service_id": str(sid), "name": name}
                for name in service.languages
            ],
            "phones": (
                [{"id": str(uuid.uuid5(sid, "phone")), "service_id": str(sid), "number": service.phone}]
                if service.phone
                else []
            ),
            "cost_options": (
                [{"id": str(uuid.uuid5(sid, "cost")), "service_id": str(sid), "option": service.cost}]
                if service.cost
                else [
                    {
                        "id": str(uuid.uuid5(sid, "cost")),
                        "service_id": str(sid),
                        "option": "Free",
                        "amount": 0,
                    }
                ]
            ),
            "attributes": [
                {
                    "id": str(uuid.uuid5(sid, f"need {need.pk}")),
                    "link_id": str(sid),
                    "link_type": "service",
                    "taxonomy_term_id": str(need.pk),
                    "taxonomy_term": taxonomy_term_json(need),
                }
                for need in service.needs.all()
            ],
        }
    )
    return row


def page_json(page, contents: list) -> dict:
    """A page of a list in the standard's shape (openapi.json's Page, with `contents`)."""
    paginator = page.paginator
    return {
        "total_items": paginator.count,
        "total_pages": paginator.num_pages,
        "page_number": page.number,
        "size": len(contents),
        "first_page": not page.has_previous(),
        "last_page": not page.has_next(),
        "empty": paginator.count == 0,
        "contents": contents,
    }


OPENING_DAY = {day.value: day.label for day in OpeningTime.Day}
