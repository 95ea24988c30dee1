"""Sign-in partners (seed 000 §1.3, "Se connecter avec un partenaire de connexion"): federated login through any
OpenID Connect provider, in place of the username and password.

Settings (``IDENTITY_`` prefix): ``sign_in_partners``, a JSON map name -> ``{issuer, client_id, client_secret,
scopes, display_name}`` (our registration at each partner, ``client_secret_post``); ``federation_redirect_uris``,
the portal frontend's callback pages a partner may send the user back to (exact match); ``federation_timeout_s``;
``federation_discovery_ttl_s``, how long a partner's ``/.well-known/openid-configuration`` is cached.

Flow: POST /v1/sessions/federated stores ``state``, ``nonce`` and the PKCE verifier server side (table
``federated_logins``) and answers the partner's authorization URL; POST /v1/sessions/{id}/federated/callback
checks ``state``, redeems the code (verifier + client secret), verifies the ID token (Ed25519 by the partner's
JWKS, ``iss``, ``aud`` = our client id, ``exp``, ``nonce``) and then opens the ordinary login session under the
same id, so MFA (enrolment on the first login), the terms (every login) and the profile (first login) follow as
for a password. Any refusal by the partner or of its answer ends the federated login: start again.

Linking: the partner account ``(issuer, sub)`` is linked to exactly one user (``federated_identities``, unique on
the pair). Its first sign-in creates that user, with no password (``NO_PASSWORD`` is not a hash, so nothing
verifies against it) and a generated username no one can type or register (it starts with ``~``), so the user can
never sign in with a password; setting a username and password later is not offered yet. A revoked credential or
a deactivated account is refused as for a password login.

Claims used: ``sub`` only (with the partner's issuer); ``email``, if the partner sends it, is returned as
``email_hint`` at MFA enrolment and never stored. Scopes asked: the configured ones (``openid`` by default).
No financial data, nor anything else about the user, is sent to the partner.
"""
