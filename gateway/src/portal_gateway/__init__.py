"""The gateway: the single public entry of the portal."""
