"""The core never imports a capability app (issue 14, item 1).

The core is the ``dualcare`` package; the capability apps are the installed apps outside it
(referrals, care plans, link workers, cohorts, outcomes, conversations). An import of one from the
core, at module level or inside a function, fails here. Where a core page needs what an app has,
the core declares the need (dualcare/people/extensions.py, dualcare/dashboards/measures.py) and
the app provides it.

Only the places whose job is to put the apps together may name them: the URL and API routers, the
Celery schedule, the settings, and the demo's orchestrator (which loads every app's demo).
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

CORE = Path(settings.BASE_DIR) / "dualcare"

# Files that assemble the apps, each with why it may name them.
ASSEMBLERS = {
    "urls.py": "the site's routes include each app's urls",
    "api_urls.py": "the API router registers each app's viewsets",
    "celery.py": "the schedule names each app's periodic tasks",
    "settings.py": "INSTALLED_APPS",
    "management/demo_data.py": "the demo's orchestrator: it runs each app's demo",
    "management/scale.py": "the trust-scale demo's orchestrator: it runs each app's bulk writer",
}


def capability_packages() -> set[str]:
    """The installed apps that are top-level folders of this project, the core apart."""
    base = Path(settings.BASE_DIR).resolve()
    return {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == base and config.name != "dualcare"
    }


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_capability_apps_are_the_ones_outside_the_core():
    assert capability_packages() == {
        "referrals",
        "careplans",
        "linkworkers",
        "cohorts",
        "outcomes",
        "conversations",
        "directory",
        "carers",
    }


def test_the_core_imports_no_capability_app():
    capabilities = capability_packages()
    offending = []
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE).as_posix()
        if relative in ASSEMBLERS or "/migrations/" in f"/{relative}":
            continue
        for line, module in imports_of(path):
            if module.split(".")[0] in capabilities:
                offending.append(f"dualcare/{relative}:{line} imports {module}")
    assert offending == []


def test_every_assembler_listed_exists():
    assert [name for name in ASSEMBLERS if not (CORE / name).exists()] == []
