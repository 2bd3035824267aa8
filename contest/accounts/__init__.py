"""Accounts: signing in and out, registration, password change (``auth``) and the
participant's profile (``participant``)."""
