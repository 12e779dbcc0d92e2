"""Who may do what: roles and their permissions, as data."""

from __future__ import annotations

from enum import StrEnum

from shipshape.domain.errors import Forbidden


class Role(StrEnum):
    ADMIN = "admin"
    INTEGRATION = "integration"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"
    WRITE_ORDERS = "write_orders"
    WRITE_MASTERDATA = "write_masterdata"
    WRITE_INVENTORY = "write_inventory"
    WORK_EXCEPTIONS = "work_exceptions"
    RELEASE_HOLDS = "release_holds"
    """Release an order held for credit: a supervisor's call, not an agent's."""
    REPORT_EXCEPTIONS = "report_exceptions"
    """Hand a message in to become a case: the desk's people and the gateways that pass on
    e-mails, carrier texts and EDI acknowledgements."""


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.INTEGRATION: frozenset({P.READ, P.WRITE_ORDERS, P.WRITE_MASTERDATA, P.WRITE_INVENTORY,
                                 P.REPORT_EXCEPTIONS}),
    Role.SUPERVISOR: frozenset({P.READ, P.WORK_EXCEPTIONS, P.RELEASE_HOLDS,
                                P.REPORT_EXCEPTIONS}),
    Role.AGENT: frozenset({P.READ, P.WORK_EXCEPTIONS, P.REPORT_EXCEPTIONS}),
    Role.VIEWER: frozenset({P.READ}),
}


def require(role: Role, permission: Permission) -> None:
    if permission not in ROLE_PERMISSIONS[role]:
        raise Forbidden(f"role {role} may not {permission.value.replace('_', ' ')}")
