"""The person's shared timeline (issue 16, item 5): one page of everything the viewer may see about a
person across agencies, newest first, merged in SQL from every capability's source.

The core never imports a capability app (tests/test_layering.py). It declares the kinds of entry
and a registry of sources (``dualcare.timeline.sources``); each app registers its own from its
``AppConfig.ready()``, in a small ``timeline.py`` of its own::

    from dualcare.timeline import sources
    sources.register("referrals.move", kind="referral", rows=referral_moves, link=referral_link)

A source's ``rows(viewer, service_user)`` is a queryset of that app's rows about the person, already
narrowed by the app's access rule (``access.org_written_filter`` for what consent decides, the
app's own rule otherwise), shaped by ``sources.entries()`` into the timeline's columns and ordered
newest first by a column its (service_user, when) index serves; or None when the viewer may see
none of it. ``dualcare.timeline.selectors`` merges them in one UNION ALL statement per page (and
one for the count), so a page costs the same queries whatever the history.
"""
