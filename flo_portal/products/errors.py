"""Product errors: the core domain errors, split by meaning (``core/errors.py``).

``ProductError`` is the base of them all (tests and callers that only care that a product
service refused catch it); each subclass takes its status from the core error it is.
"""

from __future__ import annotations

from flo_portal.core.errors import Conflict, DomainError, InputError, NotFound, Refused


class ProductError(DomainError):
    """A product service refused; the message is shown to the user."""


class ProductInputError(ProductError, InputError):
    """What was sent is not acceptable (422): no reason, a bad rating, a refused upload,
    a revision naming protected activity privacy review has not approved."""


class ProductConflict(ProductError, Conflict):
    """Not possible in the product's current state (409)."""


class ProductRefused(ProductError, Refused):
    """This user may not do this to this product (403)."""


class ProductNotFound(ProductError, NotFound):
    """No such item to act on (404)."""
