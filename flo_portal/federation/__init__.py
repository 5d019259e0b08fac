"""Federated sign-in with OpenID Connect or SAML 2.0: providers an admin configures,
identities linked to existing accounts only, and the requests a coordinator decides."""

import logging

# pysaml2 (federation/saml.py) logs responses and the person's attributes at INFO, and
# xmlschema every schema it loads as pysaml2 is imported: quiet before that import. The
# portal's own audit events say what happened, without the PII.
logging.getLogger("saml2").setLevel(logging.WARNING)
logging.getLogger("xmlschema").setLevel(logging.WARNING)
