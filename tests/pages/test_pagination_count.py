"""A list's count reads as people say it: "Showing 1 person", "Showing all 10 people", and
"Showing 1 to 25 of 30 people" only when there are pages."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def count_line(items: int, noun: str = "people") -> str:
    page = Paginator(list(range(items)), 25).get_page(1)
    html = render_to_string("includes/pagination.html", {"page": page, "query": "", "noun": noun})
    return html.split("</p>", 1)[0].rsplit(">", 1)[1]


def test_one_page_says_how_many_without_a_range():
    assert count_line(1) == "Showing 1 person"
    assert count_line(10) == "Showing all 10 people"
    assert count_line(1, "collections") == "Showing 1 collection"


def test_several_pages_say_which_part_is_shown():
    assert count_line(30) == "Showing 1 to 25 of 30 people"
