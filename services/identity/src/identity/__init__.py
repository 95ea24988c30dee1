"""Identity service: users, credentials, MFA, sessions, profile, OAuth 2 / OIDC provider and API clients."""
