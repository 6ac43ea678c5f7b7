"""CREATE and DROP TRIGGER, offline.

Trigger ``ACTION_ORDER`` counts per (table, timing, event) in creation order, adjusted by
FOLLOWS/PRECEDES; ``CREATE OR REPLACE`` puts the trigger last; DROP renumbers.  A table's
triggers go with it (:func:`drop_table_triggers`) and follow its renames
(:func:`rename_table_triggers`).
"""

from __future__ import annotations

from dataclasses import replace

from ..model.objects import Trigger
from ..dialect.lexer import Cursor, Modes
from .state import OfflineError, Session, State
from .statements import (
    Head, accept_if_exists, accept_if_not_exists, definer_of, end_statement, session_fields,
    take_body,
)


def _group(state: State, table: str, timing: str, event: str) -> list[Trigger]:
    return sorted((t for t in state.triggers.values()
                   if t.table == table and t.timing == timing and t.event == event),
                  key=lambda t: t.order)


def _renumber(state: State, group: list[Trigger]) -> None:
    for i, t in enumerate(group, 1):
        state.triggers[t.name] = replace(t, order=i)


def create_trigger(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """CREATE [OR REPLACE] TRIGGER, placed in its group's ACTION_ORDER."""
    if_not_exists = accept_if_not_exists(cur, head)
    name = cur.object_name("trigger")
    t = cur.next()
    if not t.is_kw("BEFORE", "AFTER"):
        raise OfflineError(f"trigger {name}: BEFORE or AFTER expected")
    timing = t.value
    t = cur.next()
    if not t.is_kw("INSERT", "UPDATE", "DELETE"):
        raise OfflineError(f"trigger {name}: INSERT, UPDATE or DELETE expected")
    event = t.value
    cur.expect_kw("ON")
    table = cur.object_name("table")
    cur.expect_kw("FOR", "EACH", "ROW")
    anchor = None
    if cur.at_kw("FOLLOWS", "PRECEDES"):
        anchor = (cur.next().value, cur.ident("trigger name"))
    body, _ = take_body(cur, f"trigger {name}", with_tokens=False)
    if table not in state.tables:
        if table in state.views:
            raise OfflineError(f"'{table}' is not BASE TABLE")
        raise OfflineError(f"Table '{table}' doesn't exist")
    old = state.triggers.get(name)
    if old is not None:
        if if_not_exists:
            return
        if not head.or_replace:
            raise OfflineError(f"Trigger '{name}' already exists")
        if old.table != table:
            raise OfflineError("Trigger does not exist")  # what the server says, oddly
    # the anchor is looked up before an old trigger of the same name is replaced
    if anchor is not None and not any(g.name == anchor[1] for g in _group(state, table, timing, event)):
        raise OfflineError(f"Referenced trigger '{anchor[1]}' for the given action time and "
                           f"event type does not exist")
    if old is not None:
        del state.triggers[name]
        _renumber(state, _group(state, old.table, old.timing, old.event))
    group = _group(state, table, timing, event)
    position = len(group)
    if anchor is not None:
        how, other = anchor
        idx = next((i for i, g in enumerate(group) if g.name == other), None)
        if idx is not None:              # None: it anchored on itself; it goes last
            position = idx + 1 if how == "FOLLOWS" else idx
    trigger = Trigger(name=name, table=table, timing=timing, event=event,
                      statement=body, order=0, definer=definer_of(head),
                      **session_fields(session))
    group.insert(position, trigger)
    _renumber(state, group)


def drop_trigger(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """DROP TRIGGER; the rest of its group is renumbered."""
    if_exists = accept_if_exists(cur)
    name = cur.object_name("trigger")
    end_statement(cur)
    old = state.triggers.get(name)
    if old is None:
        if if_exists:
            return
        raise OfflineError("Trigger does not exist")
    del state.triggers[name]
    _renumber(state, _group(state, old.table, old.timing, old.event))


def drop_table_triggers(state: State, table: str) -> list[str]:
    """Remove the triggers of ``table`` (the server drops them with the table); returns
    their names.  For the table DDL's DROP TABLE / CREATE OR REPLACE TABLE."""
    names = [t.name for t in state.triggers.values() if t.table == table]
    for n in names:
        del state.triggers[n]
    return names


def rename_table_triggers(state: State, old: str, new: str) -> None:
    """Triggers follow their table through RENAME TABLE / ALTER TABLE ... RENAME."""
    for t in list(state.triggers.values()):
        if t.table == old:
            state.triggers[t.name] = replace(t, table=new)
