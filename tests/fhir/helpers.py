"""Every resource the FHIR server emits is checked against FHIR R4 (4.0.1) with fhir.resources."""

from fhir.resources import __fhir_version__ as FHIR_VERSION
from fhir.resources import construct_fhir_element

assert FHIR_VERSION == "4.0.1", FHIR_VERSION  # 6.5 and later default to R4B or R5, not R4


def valid(resource: dict) -> dict:
    """The resource, after fhir.resources has parsed it as R4 (raising on anything invalid); each
    entry of a Bundle checked as its own type too."""
    construct_fhir_element(resource["resourceType"], resource)
    for entry in resource.get("entry", []):
        construct_fhir_element(entry["resource"]["resourceType"], entry["resource"])
    for contained in resource.get("contained", []):
        construct_fhir_element(contained["resourceType"], contained)
    return resource


def fhir_get(api, url: str, params=None, *, status: int = 200) -> dict:
    response = api.get(url, params or {}, HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("application/fhir+json")
    return valid(response.json())


def ids(bundle: dict, resource_type: str | None = None) -> list[str]:
    return [
        entry["resource"]["id"]
        for entry in bundle.get("entry", [])
        if resource_type is None or entry["resource"]["resourceType"] == resource_type
    ]
