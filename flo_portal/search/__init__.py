"""One search box over the portal: a full-text index of what each feature's pages show,
read through each feature's own visibility rule."""

# The flush hook that keeps the index current registers when the feature loads.
from flo_portal.search import index as _index  # noqa: F401
