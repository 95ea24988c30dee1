"""Second factors beyond the e-mailed code (seed 004 step 1): authenticator apps (TOTP, RFC 6238), passkeys
(WebAuthn) and single-use recovery codes; their enrolment under ``/v1/me/mfa``; the step-up challenges a signed-in
user answers before a sensitive change (password, MFA e-mail)."""
