"""Retention of criminal intelligence (28 CFR Part 23), for products and RFIs alike.

* ``clock.review_due``: the one retention clock (when an item is next reviewed);
* ``services``: what is due, validating an item (kept another period), purging it;
* ``jobs.run_retention_review``: the daily job (tells privacy officers, purges the
  items left unvalidated past the grace period).

The review pages are the products feature's (``/products/retention``).
"""
