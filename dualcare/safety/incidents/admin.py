"""Incidents are written through their services only (audited, alerted): nothing is registered in
the Django admin."""
