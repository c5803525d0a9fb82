"""What `manage.py demo` prints (demo_data.summary) fits a terminal: `make run` shows it to every
new user, and "Created this run" once ran to about 1,000 characters on one line."""

import datetime as dt
from collections import Counter

import pytest

from dualcare.management import demo_data


@pytest.mark.django_db
def test_what_a_run_created_is_wrapped_to_fit_a_terminal():
    created = Counter({f"kind of row {n}": n * 7 for n in range(1, 40)})
    demo = demo_data.Demo(password="pw", today=dt.date(2026, 12, 3), created=created)
    lines = demo_data.summary(demo).splitlines()
    assert max(len(line) for line in lines) <= 100
    made = lines[1 : lines.index("")]
    assert made[0].startswith("Created this run: kind of row 1 7,")
    joined = " ".join(line.strip() for line in made)
    assert joined.endswith("kind of row 39 273.")
    assert all(f"kind of row {n} {n * 7}" in joined for n in range(1, 40))


@pytest.mark.django_db
def test_a_run_that_created_nothing_says_so_on_one_line():
    demo = demo_data.Demo(password="pw", today=dt.date(2026, 12, 3))
    assert "Created this run: nothing (already loaded)." in demo_data.summary(demo).splitlines()
