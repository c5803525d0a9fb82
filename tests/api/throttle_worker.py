"""One web process for the throttle tests: a fresh interpreter (multiprocessing "spawn") with its
own Django and its own cache client, so nothing is shared with the test or the other worker but
what the settings share (Redis, or the database). Kept free of imports that read settings: the
child configures Django from the environment the test sets before starting it."""


def post_token_tries(key_prefix: str, tries: int, go, done, results, create_cache_table: bool) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.CACHES["default"]["KEY_PREFIX"] = key_prefix  # before the first use of the cache
    from django.core.management import call_command
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    go.wait(120)
    if create_cache_table:
        call_command("createcachetable", verbosity=0)
    # An empty body is refused (400) by the view, after the throttle has counted it: no user needed.
    statuses = [
        client.post("/api/v1/auth/token/", {}, content_type="application/json").status_code
        for _ in range(tries)
    ]
    results.put(statuses)
    done.set()
