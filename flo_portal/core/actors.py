"""Who acts: a signed-in user, or a named system actor for jobs and CLI commands.

Services take the actor as an argument (``actor``), never from ``current_user``. A job
passes ``system_actor("job:training_expiry")``; a CLI command ``system_actor("cli:...")``.
The audit trail records a system actor with no user id and its name as the actor label.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    name: str
    id: None = None
    role: str = "system"
    is_authenticated: bool = False
    is_active_account: bool = True
    agency_id: None = None

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def email(self) -> str:
        return ""


def system_actor(name: str) -> SystemActor:
    return SystemActor(name=name)


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)
