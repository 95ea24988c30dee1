"""The life of a credential after registration (seed 000 welcome page, DOMAIN "Identity"): changing the password
(old password + a fresh second factor; other logins are signed out), changing the recovery answers (password),
revoking the credential, and deactivation after 180 days without a sign-in.

Inactivity: a background sweep (started and stopped with the app, every ``inactivity_sweep_interval_s``) e-mails a
warning once at 165 days and deactivates at 180. A deactivated account answers a correct password with 403
``account_deactivated``; ``POST /v1/users/reactivation`` with the username, the password and all three recovery
answers reactivates it, and the next sign-in then asks for the second factor as usual (reactivation issues no
tokens and skips no step).
"""
