"""Shared runtime of the portal services (infrastructure only, no business rules)."""
