"""Virus-scan hooks for the tests (DIRECTORY_VIRUS_SCAN names one): a scanner that finds a virus
in every file, and one that cannot be reached."""


def finds_a_virus(content: bytes) -> str:
    return "Eicar-Test-Signature found."


def is_unreachable(content: bytes) -> str | None:
    raise ConnectionError("clamd did not answer")
