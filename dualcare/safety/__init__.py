"""Safety with the person: risk assessments, safety flags and incidents (issue 19)."""
