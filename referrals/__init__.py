"""Referrals between teams: closed-loop, timed, never a dead end (DESIGN.md "Referrals")."""
