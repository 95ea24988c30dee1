"""Notifications service: notices inbox, e-mail, webhooks, system status and outage bulletins."""
