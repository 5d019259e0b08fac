"""Federated sign-in with OpenID Connect: providers an admin configures, identities
linked to existing accounts only, and the requests a coordinator decides."""
