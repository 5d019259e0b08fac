"""Roles, permissions and the deny-by-default view guard."""

from flo_portal.security.access import authenticated, can, public, require
from flo_portal.security.permissions import ROLE_PERMISSIONS, Permission, Role

__all__ = ["ROLE_PERMISSIONS", "Permission", "Role", "authenticated", "can", "public", "require"]
