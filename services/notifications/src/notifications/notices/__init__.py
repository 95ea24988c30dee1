"""Notices: the inbox of messages the portal posts to a user (seed 000 §2.3-2.4)."""
