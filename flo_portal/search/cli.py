"""`flask search rebuild`: rebuild the whole search index, set-based."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    group = click.Group("search", help="The portal search index.")

    @group.command("rebuild")
    def rebuild_command() -> None:
        """Rebuild every search document from the stored objects."""
        from flo_portal.audit.services import record
        from flo_portal.core.actors import system_actor
        from flo_portal.core.extensions import db
        from flo_portal.core.unit_of_work import transaction
        from flo_portal.search.index import rebuild

        with transaction():
            counts = rebuild(db.session.connection())
            record(
                "search.rebuilt",
                None,
                summary=f"Search index rebuilt: {sum(counts.values())} documents",
                details={"counts": counts},
                actor=system_actor("cli:search-rebuild"),
            )
        for kind, n in counts.items():
            click.echo(f"{kind}: {n}")

    app.cli.add_command(group)
