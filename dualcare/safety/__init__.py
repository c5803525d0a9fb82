"""Risk assessments, safety flags and incidents about a person: the shared core's safety rooms (issue 19)."""
