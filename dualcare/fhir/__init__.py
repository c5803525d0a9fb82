"""FHIR R4 (4.0.1) read and search of the shared record (issue 21, item 1), at /fhir/.

A facade over the selectors and access rules, never over raw models: each resource type's rows
are what ``dualcare.access`` lets the caller see, so a resource the caller may not see is absent
from a search and a 404 OperationOutcome by id, and every read that shows a person is audited as
the API lists are (one row per person shown, dualcare.access.audit_list_read).

The core never imports a capability app (tests/test_layering.py). As for the timeline, the core
holds a registry (``dualcare.fhir.registry``) and serves the core's own resources (Patient,
Organization, CareTeam, Consent, Appointment: ``dualcare.fhir.core``); each capability app
registers its own from its ``AppConfig.ready()`` in a ``fhir.py`` of its own::

    from dualcare.fhir import registry
    registry.register(registry.ResourceType(name="CarePlan", rows=plans, render=render, ...))

The routing, search parameters, Bundle paging (keyset on the id: constant queries per page),
``_include``, ``_lastUpdated``, ``$everything``, OperationOutcome and the CapabilityStatement
(built from what is registered) are the core's (``dualcare.fhir.views``).

Models and validation: fhir.resources 6.4.0, the last release whose default package is FHIR R4
4.0.1 (6.5.0 made R4B 4.3.0 the default; 7.x and 8.x default to R5 with R4B beside it; none of
them has R4 itself). The server builds plain dicts; the tests validate every resource it emits
against R4 with that library (tests/fhir/).
"""
