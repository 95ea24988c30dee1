"""Outgoing e-mail: one-time codes through SMTP."""
