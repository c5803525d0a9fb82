"""Outcome measures as FHIR R4 QuestionnaireResponses, and the Questionnaires they answer (issue 21).

HoNOS, TOP and DIALOG each have a Questionnaire served at /fhir/Questionnaire/<honos|top|dialog>
(defined here, from outcomes.models' items, not stored), and every recorded form is a
QuestionnaireResponse whose id is the form's. What a reader sees is the outcomes pages' rule,
access.outcomes_filter: the rating organisation's staff, and another organisation's only with the
person's outcomes consent; every search page and read is audited as a read of each person shown.

Profiles: UK Core has a QuestionnaireResponse profile (UKCore-QuestionnaireResponse, in STU1 0.5.0
and the assets in development): its meta.profile is claimed. UK Core's Questionnaire profile is only
in the STU3 development sequence, so the Questionnaires are the base resource (said in the
CapabilityStatement).

The items' linkIds: HoNOS "1" to "12" (integers 0-4, or 9 not known), "8-type" (A-J, when item 8 is
rated 1-4), "8-other" (type J), "stage", "rating-period"; TOP the DualCare field names of the
28-day totals, amounts, ratings and yes/no answers (outcomes.models.TOP_ITEM_FIELDS), with
"other_substance_name" and "stage" (the week boxes are not sent: the totals are the form's
figures); DIALOG "1" to "11" (1-7). An item left unanswered (TOP's "not answered") has no answer.

Inbound: a HoNOS or TOP QuestionnaireResponse POSTed with the recording member of staff's token (as
a ServiceRequest is) becomes the outcome record through the outcomes services, in one transaction;
a bad resource is an OperationOutcome whose expression names the item
(QuestionnaireResponse.item.where(linkId='3')), and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F

from dualcare import access, limits
from dualcare.exceptions import ApplicationError
from dualcare.fhir import registry
from dualcare.fhir.params import date_filter
from dualcare.fhir.registry import (
    BadParameter,
    BadResource,
    ResourceType,
    SearchParam,
    day,
    meta,
    reference,
)
from dualcare.ids import is_uuid

from . import services
from .instruments import INSTRUMENT_NAMES, enabled_instruments
from .models import (
    DIALOG_ITEMS,
    HONOS_COPYRIGHT,
    HONOS_ITEMS,
    TOP_AMOUNT_FIELDS,
    TOP_ITEM_FIELDS,
    TOP_SUBSTANCES,
    TOP_YES_NO_FIELDS,
    DialogRating,
    HonosRating,
    HonosStage,
    Item8Type,
    RatingPeriod,
    TopForm,
    TopStage,
)

INSTRUMENTS = ("honos", "top", "dialog")
MODELS = {"honos": HonosRating, "top": TopForm, "dialog": DialogRating}
DATE_FIELD = {"honos": "rated_on", "top": "completed_on", "dialog": "rated_on"}
CANONICAL = registry.DUALCARE_SYSTEM.replace("/Id/", "/Questionnaire/")
QR_PROFILE = registry.UK_CORE + "UKCore-QuestionnaireResponse"
# When the Questionnaires below last changed (their meta.lastUpdated and date).
QUESTIONNAIRES_UPDATED = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
TITLES = {
    "honos": "Health of the Nation Outcome Scales (HoNOS), working-age adults",
    "top": "Treatment Outcomes Profile (TOP)",
    "dialog": "DIALOG: satisfaction with life and treatment",
}


def canonical(instrument: str) -> str:
    return CANONICAL + instrument


def _item(link_id: str, text: str, kind: str, **more) -> dict:
    return {"linkId": link_id, "text": text, "type": kind, **more}


def _options(values) -> list[dict]:
    return [{"valueInteger": value} for value in values]


def _choices(system: str, choices) -> list[dict]:
    return [{"valueCoding": {"system": system, "code": value, "display": label}} for value, label in choices]


# ---------------------------------------------------------------------------
# The Questionnaires

STAGE_SYSTEM = {
    "honos": registry.DUALCARE_SYSTEM + "honos-stage",
    "top": registry.DUALCARE_SYSTEM + "top-stage",
}
PERIOD_SYSTEM = registry.DUALCARE_SYSTEM + "honos-rating-period"
ITEM8_SYSTEM = registry.DUALCARE_SYSTEM + "honos-item8-type"


def _top_label(name: str) -> str:
    labels = {
        f"{prefix}_days": f"{label}: days used in the past 28" for prefix, label, _, _ in TOP_SUBSTANCES
    }
    labels.update(
        {
            f"{prefix}_{suffix}": f"{label}: average {unit} on a using day"
            for prefix, label, suffix, unit in TOP_SUBSTANCES
        }
    )
    labels.update(
        {
            "tobacco_days": "Tobacco: days used in the past 28",
            "injecting_days": "Days injected non-prescribed drugs in the past 28",
            "shared_needle": "Injected with a needle or syringe used by someone else",
            "shared_paraphernalia": "Injected with a spoon, water or filter used by someone else",
            "shoplifting_days": "Days of shoplifting in the past 28",
            "drug_selling_days": "Days of selling drugs in the past 28",
            "vehicle_theft": "Theft from or of a vehicle",
            "property_theft": "Other property theft or burglary",
            "fraud": "Fraud, forgery or handling stolen goods",
            "assault": "Committed assault or violence",
            "psychological_health": "Psychological health (0 poor to 20 good)",
            "physical_health": "Physical health (0 poor to 20 good)",
            "quality_of_life": "Overall quality of life (0 poor to 20 good)",
            "paid_work_days": "Days in paid work in the past 28",
            "college_days": "Days at college or school in the past 28",
            "acute_housing_problem": "Acute housing problem",
            "eviction_risk": "At risk of eviction",
        }
    )
    return labels[name]


def _top_kind(name: str) -> str:
    if name in TOP_YES_NO_FIELDS:
        return "boolean"
    if name in TOP_AMOUNT_FIELDS:
        return "decimal"
    return "integer"


def _questionnaire_items(instrument: str) -> list[dict]:
    if instrument == "honos":
        items = [
            _item(
                "stage",
                "Stage",
                "choice",
                required=True,
                answerOption=_choices(STAGE_SYSTEM["honos"], HonosStage.choices),
            )
        ]
        items.append(
            _item(
                "rating-period",
                "Period rated",
                "choice",
                answerOption=_choices(PERIOD_SYSTEM, RatingPeriod.choices),
            )
        )
        for number, text in enumerate(HONOS_ITEMS, start=1):
            items.append(
                _item(str(number), text, "integer", required=True, answerOption=_options((0, 1, 2, 3, 4, 9)))
            )
        items.append(
            _item(
                "8-type",
                "Item 8: the type of problem",
                "choice",
                answerOption=_choices(ITEM8_SYSTEM, Item8Type.choices),
                enableWhen=[
                    {"question": "8", "operator": ">=", "answerInteger": 1},
                    {"question": "8", "operator": "<=", "answerInteger": 4},
                ],
                enableBehavior="all",
            )
        )
        items.append(
            _item(
                "8-other",
                "Item 8, type J: what the problem is",
                "string",
                maxLength=200,
                enableWhen=[
                    {
                        "question": "8-type",
                        "operator": "=",
                        "answerCoding": {"system": ITEM8_SYSTEM, "code": "J"},
                    }
                ],
            )
        )
        return items
    if instrument == "top":
        items = [
            _item(
                "stage",
                "Treatment stage",
                "choice",
                required=True,
                answerOption=_choices(STAGE_SYSTEM["top"], TopStage.choices),
            )
        ]
        for name in TOP_ITEM_FIELDS:
            items.append(_item(name, _top_label(name), _top_kind(name)))
            if name == "other_substance_days":
                items.insert(
                    -1, _item("other_substance_name", "Other substance: its name", "string", maxLength=100)
                )
        return items
    return [
        _item(str(number), text, "integer", required=True, answerOption=_options(range(1, 8)))
        for number, text in enumerate(DIALOG_ITEMS, start=1)
    ]


@dataclass(frozen=True)
class QuestionnaireRow:
    pk: str
    updated_at: dt.datetime


def questionnaires(user, service_user=None):
    return registry.Fixed(
        [
            QuestionnaireRow(name, QUESTIONNAIRES_UPDATED)
            for name in INSTRUMENTS
            if name in enabled_instruments()
        ]
    )


def questionnaire(row: QuestionnaireRow) -> dict:
    resource = {
        "resourceType": "Questionnaire",
        "id": row.pk,
        "meta": meta(row, None),
        "url": canonical(row.pk),
        "name": INSTRUMENT_NAMES[row.pk],
        "title": TITLES[row.pk],
        "status": "active",
        "subjectType": ["Patient"],
        "date": row.updated_at.date().isoformat(),
        "publisher": "DualCare",
        "item": _questionnaire_items(row.pk),
    }
    if row.pk == "honos":
        resource["copyright"] = HONOS_COPYRIGHT
    return resource


QUESTIONNAIRE = ResourceType(
    name="Questionnaire",
    rows=questionnaires,
    render=questionnaire,
    patient="",
    patient_params=(),
    documentation="The outcome measures' forms: honos, top and dialog (ids as named, not UUIDs). UK Core's "
    "Questionnaire profile is only in its STU3 development sequence: the base resource.",
)


# ---------------------------------------------------------------------------
# QuestionnaireResponse


def responses(user, service_user=None):
    """Every HoNOS, TOP and DIALOG the user may see (access.outcomes_filter), one part each."""
    parts = {}
    for name in INSTRUMENTS:
        if name in enabled_instruments():
            rows = access.outcomes_filter(
                user, MODELS[name].objects.select_related("organisation"), service_user
            )
            parts[name] = rows.alias(authored=F(DATE_FIELD[name]))
    return registry.Union(parts)


def _instrument(record) -> str:
    return next(name for name, model in MODELS.items() if isinstance(record, model))


def _answer(link_id: str, text: str, value) -> dict:
    found = {"linkId": link_id, "text": text}
    if value is None or value == "":
        return found
    if isinstance(value, bool):
        found["answer"] = [{"valueBoolean": value}]
    elif isinstance(value, Decimal):
        found["answer"] = [{"valueDecimal": float(value)}]
    elif isinstance(value, int):
        found["answer"] = [{"valueInteger": value}]
    elif isinstance(value, dict):
        found["answer"] = [{"valueCoding": value}]
    else:
        found["answer"] = [{"valueString": value}]
    return found


def _coding(system: str, value: str, label: str) -> dict:
    return {"system": system, "code": value, "display": label}


def _response_items(record) -> list[dict]:
    instrument = _instrument(record)
    if instrument == "honos":
        items = [
            _answer(
                "stage", "Stage", _coding(STAGE_SYSTEM["honos"], record.stage, record.get_stage_display())
            ),
            _answer(
                "rating-period",
                "Period rated",
                _coding(PERIOD_SYSTEM, record.rating_period, record.get_rating_period_display()),
            ),
        ]
        items += [_answer(str(n), HONOS_ITEMS[n - 1], value) for n, value in enumerate(record.items, start=1)]
        if record.item8_type:
            items.append(
                _answer(
                    "8-type",
                    "Item 8: the type of problem",
                    _coding(ITEM8_SYSTEM, record.item8_type, record.get_item8_type_display()),
                )
            )
        if record.item8_other:
            items.append(_answer("8-other", "Item 8, type J: what the problem is", record.item8_other))
        return items
    if instrument == "top":
        items = [
            _answer(
                "stage",
                "Treatment stage",
                _coding(STAGE_SYSTEM["top"], record.stage, record.get_stage_display()),
            )
        ]
        for name in TOP_ITEM_FIELDS:
            if name == "other_substance_days" and record.other_substance_name:
                items.append(
                    _answer("other_substance_name", "Other substance: its name", record.other_substance_name)
                )
            items.append(_answer(name, _top_label(name), getattr(record, name)))
        return items
    return [_answer(str(n), DIALOG_ITEMS[n - 1], value) for n, value in enumerate(record.items, start=1)]


def questionnaire_response(record) -> dict:
    instrument = _instrument(record)
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(record.pk),
        "meta": meta(record, QR_PROFILE),
        "identifier": {"system": registry.DUALCARE_SYSTEM + "outcome-record", "value": str(record.pk)},
        "questionnaire": canonical(instrument),
        "status": "completed",
        "subject": reference("Patient", record.service_user_id),
        "authored": day(getattr(record, DATE_FIELD[instrument])),
        "item": _response_items(record),
    }
    if record.organisation_id:
        resource["author"] = reference("Organization", record.organisation_id, record.organisation.name)
    return resource


def _questionnaire_param(rows, value):
    name = value.removeprefix(CANONICAL).removeprefix("Questionnaire/")
    if name not in INSTRUMENTS:
        raise BadParameter(
            "questionnaire", f"Give the questionnaire as {CANONICAL}<honos|top|dialog> or Questionnaire/<id>."
        )
    return rows.keep(name)


def _authored(rows, value):
    return date_filter(rows, "authored", "authored", [value], instants=False)


# ---------------------------------------------------------------------------
# Inbound: HoNOS and TOP


def _where(link_id: str) -> str:
    return f"QuestionnaireResponse.item.where(linkId='{link_id}')"


def _answers(resource: dict, known: set[str]) -> dict[str, object]:
    """{linkId: the answer's value} of a flat list of items, each answered at most once."""
    found: dict[str, object] = {}
    for item in resource.get("item") or []:
        link_id = item.get("linkId", "")
        if link_id not in known:
            raise BadResource(_where(link_id[:40]), "This questionnaire has no item of that linkId.")
        if link_id in found:
            raise BadResource(_where(link_id), "Answer each item once.")
        if item.get("item"):
            raise BadResource(_where(link_id), "Send the items as one flat list, without nested items.")
        answers = item.get("answer") or []
        if len(answers) > 1:
            raise BadResource(_where(link_id), "Give one answer to the item.")
        if not answers:
            found[link_id] = None
            continue
        values = [(key, value) for key, value in answers[0].items() if key.startswith("value")]
        if len(values) != 1 or answers[0].get("item"):
            raise BadResource(_where(link_id), "Give the answer as one value.")
        found[link_id] = values[0]
    return found


def _integer(link_id: str, answer) -> int | None:
    if answer is None:
        return None
    kind, value = answer
    if kind != "valueInteger" or isinstance(value, bool) or not isinstance(value, int):
        raise BadResource(_where(link_id), "Give the answer as a valueInteger.")
    if abs(value) > 2**31:
        raise BadResource(_where(link_id), "The answer is outside the item's range.")
    return value


def _code(link_id: str, answer, system: str) -> str:
    if answer is None:
        return ""
    kind, value = answer
    if kind != "valueCoding" or not isinstance(value, dict) or value.get("system") != system:
        raise BadResource(_where(link_id), f"Give the answer as a valueCoding of {system}.")
    code = value.get("code")
    return code if isinstance(code, str) else ""


def _string(link_id: str, answer, *, what: str, limit: int) -> str:
    if answer is None:
        return ""
    kind, value = answer
    if kind != "valueString" or not isinstance(value, str):
        raise BadResource(_where(link_id), "Give the answer as a valueString.")
    if limits.has_hidden_characters(value, multiline=False):
        raise BadResource(_where(link_id), limits.hidden_characters_message(what))
    if len(value) > limit:
        raise BadResource(_where(link_id), limits.too_long_message(what, limit))
    return value


def _top_value(link_id: str, answer):
    if answer is None:
        return None
    kind, value = answer
    if link_id in TOP_YES_NO_FIELDS:
        if kind != "valueBoolean" or not isinstance(value, bool):
            raise BadResource(_where(link_id), "Give the answer as a valueBoolean (yes true, no false).")
        return value
    if link_id in TOP_AMOUNT_FIELDS:
        if (
            kind not in ("valueDecimal", "valueInteger")
            or isinstance(value, bool | str)
            or not isinstance(value, int | float)
        ):
            raise BadResource(_where(link_id), "Give the amount as a valueDecimal.")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise BadResource(_where(link_id), "Give the amount as a valueDecimal.") from None
    return _integer(link_id, answer)


def _authored_on(resource: dict) -> dt.date | None:
    authored = resource.get("authored")
    if not isinstance(authored, str) or len(authored) < 10:
        raise BadResource(
            "QuestionnaireResponse.authored", "Give the date the form was completed (authored)."
        )
    try:
        return dt.date.fromisoformat(authored[:10])
    except ValueError:
        raise BadResource(
            "QuestionnaireResponse.authored", "Give authored as a date, such as 2026-03-14."
        ) from None


def _element(field: str) -> str:
    """A service's field at fault as the element of the resource that carried it."""
    if field in ("rated_on", "completed_on"):
        return "QuestionnaireResponse.authored"
    if field == "items":
        return "QuestionnaireResponse.item"
    if field.startswith("item") and field[4:].isdigit():
        return _where(field[4:])
    return _where(
        {"item8_type": "8-type", "item8_other": "8-other", "rating_period": "rating-period"}.get(field, field)
    )


def response_from_fhir(user, resource: dict):
    """A HoNOS rating or TOP form from a completed QuestionnaireResponse of its Questionnaire,
    about a person the sender's team works with, recorded by the outcomes services (their
    validation: HoNOS 0-4 or 9, TOP's ranges) in one transaction: anything refused writes nothing."""
    errors = registry.r4_errors(resource)
    if errors:
        raise BadResource(errors[0][0], f"Not a valid FHIR R4 QuestionnaireResponse: {errors[0][1]}.")
    instrument = next(
        (
            name
            for name in ("honos", "top")
            if resource.get("questionnaire") in (canonical(name), f"Questionnaire/{name}")
        ),
        None,
    )
    if instrument is None or instrument not in enabled_instruments():
        raise BadResource(
            "QuestionnaireResponse.questionnaire",
            f"Send a HoNOS or TOP form: questionnaire {canonical('honos')} or {canonical('top')}.",
        )
    if resource.get("status") != "completed":
        raise BadResource("QuestionnaireResponse.status", "Send the completed form (status completed).")
    subject = (resource.get("subject") or {}).get("reference", "")
    person = None
    if (
        isinstance(subject, str)
        and subject.startswith("Patient/")
        and is_uuid(subject.removeprefix("Patient/"))
    ):
        person = access.service_users_visible_to(user).filter(pk=subject.removeprefix("Patient/")).first()
    if person is None:
        raise BadResource(
            "QuestionnaireResponse.subject", "Give the person as Patient/<id>, one your team works with."
        )
    when = _authored_on(resource)
    try:
        with transaction.atomic():
            if instrument == "honos":
                answers = _answers(
                    resource, {"stage", "rating-period", "8-type", "8-other", *map(str, range(1, 13))}
                )
                return services.honos_record(
                    service_user=person,
                    by=user,
                    rated_on=when,
                    stage=_code("stage", answers.get("stage"), STAGE_SYSTEM["honos"]),
                    rating_period=_code("rating-period", answers.get("rating-period"), PERIOD_SYSTEM)
                    or RatingPeriod.TWO_WEEKS,
                    items=[_integer(str(n), answers.get(str(n))) for n in range(1, 13)],
                    item8_type=_code("8-type", answers.get("8-type"), ITEM8_SYSTEM),
                    item8_other=_string(
                        "8-other", answers.get("8-other"), what="item 8's problem", limit=200
                    ),
                )
            answers = _answers(resource, {"stage", "other_substance_name", *TOP_ITEM_FIELDS})
            values = {name: _top_value(name, answers.get(name)) for name in TOP_ITEM_FIELDS}
            return services.top_record(
                service_user=person,
                by=user,
                completed_on=when,
                stage=_code("stage", answers.get("stage"), STAGE_SYSTEM["top"]),
                other_substance_name=_string(
                    "other_substance_name",
                    answers.get("other_substance_name"),
                    what="the substance",
                    limit=100,
                ),
                **values,
            )
    except services.OutcomeValidationError as refused:
        field, messages = next(iter(refused.errors.items()))
        raise BadResource(_element(field), messages[0]) from None
    except ApplicationError as refused:
        raise BadResource(
            _element(refused.field) if refused.field else "QuestionnaireResponse.subject", refused.message
        ) from None


QUESTIONNAIRE_RESPONSE = ResourceType(
    name="QuestionnaireResponse",
    rows=responses,
    render=questionnaire_response,
    profile=QR_PROFILE,
    params=(
        registry.patient_reference_param("service_user", "patient"),
        registry.patient_reference_param("service_user", "subject"),
        SearchParam(
            "questionnaire",
            "reference",
            _questionnaire_param,
            "The form: Questionnaire/honos, top or dialog.",
        ),
        SearchParam(
            "authored", "date", _authored, "The date the form was completed, with an optional prefix."
        ),
    ),
    patient_params=("patient", "subject"),
    create=response_from_fhir,
    documentation="A HoNOS, TOP or DIALOG form, answering /fhir/Questionnaire/<honos|top|dialog> (linkIds as "
    "there). Create (POST) records a HoNOS or TOP: status completed, subject Patient/<id>, authored the "
    "date, one answer per item (TOP: an item with no answer is not answered, which is not 0).",
)


def register() -> None:
    registry.register(QUESTIONNAIRE)
    registry.register(QUESTIONNAIRE_RESPONSE)
