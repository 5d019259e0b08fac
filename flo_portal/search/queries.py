"""The search: per kind, the viewer's visible matches, ranked, one page, with the count.

Each kind's query joins the documents to the object's table under the feature's own
visibility condition, so neither a result nor a count tells of an object the viewer may
not open. The terms are reduced to words (letters and digits): on PostgreSQL they go to
``websearch_to_tsquery``, on SQLite each becomes a quoted FTS5 phrase, so no operator
syntax in the input reaches the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.dialects import postgresql

from flo_portal.core.extensions import db
from flo_portal.search.kinds import KINDS, Kind
from flo_portal.search.models import FTS_TABLE, TSV_COLUMN, SearchDocument

MAX_QUERY = 200  # characters of the query kept
MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)
START, STOP = "\x02", "\x03"  # snippet marks: not in stored text, replaced after escaping
# At most this many matches of one kind, the newest, are ranked and counted (PostgreSQL):
# a word in most documents would otherwise rank them all; the page then says "1000+".
# The overview (every kind, top few each) passes a smaller cap (search.routes).
CAP = 1000
# PostgreSQL, for a kind marked ``ids_first``: when at most this many of its documents
# match (the viewer's policy aside), their ids are read first and the policy is applied to
# those alone; with more, the newest matches are walked backwards until ``cap`` visible
# ones are met. The planner cannot choose between the two itself: it over-estimates both
# how many documents match several words and how many products a partner may see, and so
# walked all 50,000 products of a partner for 64 visible matches (38 ms; 8 ms from the
# 642 ids). Above this many, a partner's walk meets ``cap`` visible matches early.
FEW_MATCHES = 2000
_ENGLISH = sa.literal_column("'english'::regconfig")
_TSV = sa.literal_column(f"search_document.{TSV_COLUMN}")  # PostgreSQL only


def terms_of(q: str) -> list[str]:
    """The words searched for (the rest of the input is ignored)."""
    return _WORD.findall((q or "")[:MAX_QUERY].replace("_", " "))[:MAX_TERMS]


def saved_terms(q: str) -> str:
    """A search as it is saved (a followed search): its words, lower-case, one space
    apart; matched by ``document_matches`` exactly as the results page matches them."""
    return " ".join(terms_of(q)).lower()


def _tsquery(words):
    """PostgreSQL: the words (SQL text, space-separated) as the search's tsquery."""
    return sa.func.websearch_to_tsquery(_ENGLISH, words)


def _fts5_query(words):
    """SQLite: the words (SQL text, space-separated) as FTS5 quoted phrases, all required:
    ``fuel tanker`` -> ``"fuel" "tanker"`` (words hold no quotes: see ``terms_of``)."""
    return sa.literal('"') + sa.func.replace(words, " ", '" "') + sa.literal('"')


def document_matches(kind_name: str, object_id, words) -> sa.ColumnElement[bool]:
    """SQL: the search document of (``kind_name``, ``object_id``) matches ``words`` (SQL
    text, e.g. a saved search's column) as the search page matches its terms. It says
    nothing about who may see the object: the caller applies the object's policy."""
    doc = sa.and_(_of_kind(kind_name), SearchDocument.object_id == object_id)
    if db.engine.dialect.name == "postgresql":
        return sa.exists().where(doc, _TSV.op("@@")(_tsquery(words)))
    fts_col = sa.literal_column(FTS_TABLE)
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    return sa.exists(
        sa.select(sa.literal(1))
        .select_from(fts)
        .join(SearchDocument, SearchDocument.id == fts.c.rowid)
        .where(doc, fts_col.op("MATCH")(_fts5_query(words)))
    )


@dataclass
class Hit:
    object_id: int
    title: str
    snippet: Markup


@dataclass
class KindResult:
    kind: Kind
    total: int
    hits: list[Hit]
    cap: int = CAP

    @property
    def shown_total(self) -> str:
        """The count as the page says it: "1000+" when the cap was reached."""
        return f"{self.cap}+" if self.total >= self.cap else str(self.total)


def marked(text: str) -> Markup:
    """The snippet escaped, with only the engine's match marks turned into <mark>."""
    return escape(text or "").replace(START, Markup("<mark>")).replace(STOP, Markup("</mark>"))


def _of_kind(name: str):
    """SQL: the document is of kind ``name``, the name written into the statement (it is
    one of ``KINDS``, never input): a bound value would hide from the planner which
    partial GIN index (``ix_search_document_tsv_<kind>``, PostgreSQL) holds the kind."""
    return SearchDocument.kind == sa.bindparam(None, name, literal_execute=True)


def _few_matches(kind: Kind, terms: list[str]) -> list[int] | None:
    """PostgreSQL: the ids of the objects of ``kind`` whose documents match ``terms``, when
    there are at most FEW_MATCHES of them (None when there are more). Read from the kind's
    GIN index, before any policy: the ids only shape the statement that applies it."""
    # Materialised, so it is planned to read every match from the index (and stops at the
    # limit): with the limit inside, the planner scans the table hoping to meet them early.
    matches = (
        sa.select(SearchDocument.object_id)
        .where(_of_kind(kind.name), _TSV.op("@@")(_tsquery(" ".join(terms))))
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    ids = db.session.scalars(sa.select(matches.c.object_id).limit(FEW_MATCHES + 1)).all()
    return None if len(ids) > FEW_MATCHES else list(ids)


def _pg_statement(
    kind: Kind,
    user,
    terms: list[str],
    limit: int,
    offset: int,
    cap: int = CAP,
    *,
    matching_ids: list[int] | None = None,
):
    """The page of ``kind``'s matches for ``user``: the newest ``cap`` visible matches,
    ranked. ``matching_ids`` (from ``_few_matches``): the objects whose documents match;
    the policy is applied to them alone, and their documents are looked up by id."""
    query = _tsquery(" ".join(terms))
    m = kind.model
    columns = (SearchDocument.object_id, SearchDocument.title, SearchDocument.body)
    if matching_ids is None:
        matching = (
            sa.select(*columns, _TSV.label("tsv"))
            .join(m, m.id == SearchDocument.object_id)
            .where(_of_kind(kind.name), _TSV.op("@@")(query), kind.visible(user))
        )
    else:
        # The policy applied to those ids alone, planned apart (materialised): joined to
        # the documents, the planner would rather filter every object of the kind.
        visible = (
            sa.select(m.id)
            .where(m.id == sa.any_(sa.literal(matching_ids, postgresql.ARRAY(sa.Integer))))
            .where(kind.visible(user))
            .cte("visible_matches")
            .prefix_with("MATERIALIZED")
        )
        matching = (
            sa.select(*columns, _TSV.label("tsv"))
            .join(visible, visible.c.id == SearchDocument.object_id)
            .where(_of_kind(kind.name))
        )
    candidates = (
        matching
        # The newest ``cap`` matches: a common word walks (kind, object_id) backwards and stops
        # early, a rare one is read from the GIN index; without an order the planner scans
        # the whole table hoping to meet ``cap`` rows of this kind early.
        .order_by(SearchDocument.object_id.desc())
        .limit(cap)
        .subquery()
    )
    c = candidates.c
    rank = sa.func.ts_rank(c.tsv, query)
    page = (
        sa.select(
            c.object_id,
            c.title,
            c.body,
            rank.label("rank"),
            sa.func.count().over().label("total"),
        )
        .order_by(sa.desc("rank"), c.object_id.desc())
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    options = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=10, MaxFragments=2"
    headline = sa.func.ts_headline(_ENGLISH, page.c.title + " " + page.c.body, query, options)
    return sa.select(page.c.object_id, page.c.title, headline, page.c.total).order_by(
        page.c.rank.desc(), page.c.object_id.desc()
    )


def _sqlite_statement(kind: Kind, user, terms: list[str], limit: int, offset: int, cap: int = CAP):
    # FTS5 counts every match (no cap): the small databases SQLite serves afford it.
    # bm25() and snippet() are only allowed in a plain scan of the FTS5 table: the matches
    # are ranked there, the page is cut outside, and only its rows get a snippet.
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    fts_col = sa.literal_column(FTS_TABLE)
    match = _fts5_query(sa.literal(" ".join(terms)))
    matches = (
        sa.select(fts.c.rowid.label("doc_id"), sa.func.bm25(fts_col, 10.0, 1.0).label("rank"))
        .select_from(fts)
        .where(fts_col.op("MATCH")(match))
        .subquery()
    )
    m = kind.model
    page = (
        sa.select(
            SearchDocument.id,
            SearchDocument.object_id,
            SearchDocument.title,
            matches.c.rank,
            sa.func.count().over().label("total"),
        )
        .join(matches, matches.c.doc_id == SearchDocument.id)
        .join(m, m.id == SearchDocument.object_id)
        .where(SearchDocument.kind == kind.name, kind.visible(user))
        .order_by(matches.c.rank, SearchDocument.object_id.desc())
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    snippet = (
        sa.select(sa.func.snippet(fts_col, -1, START, STOP, "…", 24))
        .select_from(fts)
        .where(fts_col.op("MATCH")(match), fts.c.rowid == page.c.id)
        .scalar_subquery()
    )
    return sa.select(page.c.object_id, page.c.title, snippet, page.c.total).order_by(
        page.c.rank, page.c.object_id.desc()
    )


def search_kind(
    kind: Kind, user, terms: list[str], *, limit: int, offset: int = 0, cap: int = CAP
) -> KindResult:
    """One page of ``kind``'s matches the viewer may open, and how many there are (at
    most ``cap`` of the newest matches are ranked and counted on PostgreSQL)."""
    if not terms or _is_false(kind.visible(user)):
        return KindResult(kind, 0, [], cap)
    if db.engine.dialect.name == "postgresql":
        ids = _few_matches(kind, terms) if kind.ids_first else None
        if ids == []:
            return KindResult(kind, 0, [], cap)
        statement = _pg_statement(kind, user, terms, limit, offset, cap, matching_ids=ids)
    else:
        statement = _sqlite_statement(kind, user, terms, limit, offset, cap)
    rows = db.session.execute(statement).all()
    total = rows[0][3] if rows else 0
    if not rows and offset:  # past the last page: count what there is
        total = search_kind(kind, user, terms, limit=1, cap=cap).total
    hits = [Hit(r[0], r[1], marked(r[2])) for r in rows]
    return KindResult(kind, total, hits, cap)


def searchable_kinds(user) -> list[Kind]:
    """The kinds the viewer may see any object of (the others are not even queried)."""
    return [k for k in KINDS if not _is_false(k.visible(user))]


def _is_false(condition) -> bool:
    return isinstance(condition, sa.sql.elements.False_)
