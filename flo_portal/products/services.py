"""The products feature's services, for other features, the API, jobs and tests: one
name each, re-exported from the module that does the work. Inside the feature, modules
import from those modules directly.

    authoring      drafts, edits, revisions; protected-activity terms privacy review approved
    lifecycle      submit, privacy review, return, publish, archive, withdraw
    dissemination  releasing a version to its audience: log, notices, e-mails, reminders
    recipients     receipts, reading, acknowledging, sharing with a colleague
    feedback       ratings of a version
    attachments    files on drafts
    reach          reach figures
    purging        removing a product's content at retention

Retention itself (what is due, validating, purging products and RFIs, the daily job)
is the ``flo_portal.retention`` package. Services flush; the request or job commits.
"""

from __future__ import annotations

from flo_portal.products.attachments import (
    PRODUCT_EXTENSIONS,
    add_attachment,
    attachment_path,
    remove_attachment,
)
from flo_portal.products.authoring import (
    CONTENT_FIELDS,
    approved_terms,
    can_edit,
    create_product,
    unreviewed_terms,
    update_product,
)
from flo_portal.products.dissemination import (
    banner_text,
    inclusion_rule,
    mail_fields,
    marking_line,
    renotify_unacknowledged_alerts,
)
from flo_portal.products.errors import (
    ProductConflict,
    ProductError,
    ProductInputError,
    ProductNotFound,
    ProductRefused,
)
from flo_portal.products.feedback import give_feedback
from flo_portal.products.lifecycle import transition
from flo_portal.products.reach import reach_by_month, reach_by_product, reach_scope
from flo_portal.products.recipients import (
    acknowledge,
    current_receipt,
    record_view,
    share_product,
)

__all__ = [
    "CONTENT_FIELDS",
    "PRODUCT_EXTENSIONS",
    "ProductConflict",
    "ProductError",
    "ProductInputError",
    "ProductNotFound",
    "ProductRefused",
    "acknowledge",
    "add_attachment",
    "approved_terms",
    "attachment_path",
    "banner_text",
    "can_edit",
    "create_product",
    "current_receipt",
    "give_feedback",
    "inclusion_rule",
    "mail_fields",
    "marking_line",
    "reach_by_month",
    "reach_by_product",
    "reach_scope",
    "record_view",
    "remove_attachment",
    "renotify_unacknowledged_alerts",
    "share_product",
    "transition",
    "unreviewed_terms",
    "update_product",
]
