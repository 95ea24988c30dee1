"""Delegation service.

roles, employee access, business relationships, visibility, client groups, authorization decisions and the
audit of access changes.
"""
