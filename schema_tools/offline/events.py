"""CREATE, ALTER and DROP EVENT, offline: schedules given as literal times only, since
an expression or a missing STARTS depends on when the script runs."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace

from ..model.objects import Event
from ..dialect.lexer import Cursor, Modes
from .state import OfflineError, Session, State
from .statements import (
    Head, accept_if_exists, accept_if_not_exists, definer_of, end_statement, session_fields,
    take_body,
)


_EVENT_UNITS = ("YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND")
_TS = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d{0,6})?)?)?")
# how far from "now" a time must be to tell past from future whatever the time zone
_NOW_MARGIN = _dt.timedelta(days=2)


def _timestamp(cur: Cursor, what: str) -> _dt.datetime:
    t = cur.next()
    if t.kind != "string":
        raise OfflineError(f"event {what}: only a literal 'YYYY-MM-DD hh:mm:ss' time is "
                           f"supported offline (an expression depends on when it is run)")
    m = _TS.fullmatch(t.value.strip())
    if not m:
        raise OfflineError(f"event {what}: time {t.text} not understood")
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in m.groups())
    try:
        value = _dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise OfflineError(f"event {what}: invalid time {t.text}") from None
    if cur.at_op("+") or cur.at_op("-"):
        raise OfflineError(f"event {what}: time arithmetic is not supported offline")
    return value


def _past(value: _dt.datetime) -> bool:
    now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    if abs(value - now) < _NOW_MARGIN:
        raise OfflineError("event time too close to now to tell whether it is past")
    return value < now


def _fmt_ts(value: _dt.datetime) -> str:
    return "'" + value.strftime("%Y-%m-%d %H:%M:%S") + "'"


def _schedule(cur: Cursor) -> tuple[str, bool]:
    """After ON SCHEDULE: (the schedule as introspection spells it, whether it is over)."""
    if cur.accept_kw("AT"):
        at = _timestamp(cur, "AT")
        return f"AT {_fmt_ts(at)}", _past(at)
    cur.expect_kw("EVERY")
    t = cur.next()
    if t.kind != "number" or not t.text.isdigit() or int(t.text) == 0:
        raise OfflineError("event EVERY: only a positive whole number is supported offline")
    value = str(int(t.text))
    u = cur.next()
    if not u.is_kw(*_EVENT_UNITS):
        raise OfflineError(f"event EVERY: interval unit {u.text} is not supported offline")
    starts = ends = None
    if cur.accept_kw("STARTS"):
        starts = _timestamp(cur, "STARTS")
    if cur.accept_kw("ENDS"):
        ends = _timestamp(cur, "ENDS")
    if starts is None:
        raise OfflineError("event EVERY without STARTS starts when it is created; "
                           "not reproducible offline")
    if ends is not None and ends < starts:
        raise OfflineError("ENDS is either invalid or before STARTS")
    text = f"EVERY {value} {u.value} STARTS {_fmt_ts(starts)}"
    if ends is not None:
        text += f" ENDS {_fmt_ts(ends)}"
    return text, (ends is not None and _past(ends))


def _find_event(state: State, name: str) -> str | None:
    low = name.lower()
    return next((k for k in state.events if k.lower() == low), None)


def _event_options(cur: Cursor, out: dict, *, alter: bool) -> None:
    if cur.accept_kw("ON", "SCHEDULE"):
        out["schedule"] = _schedule(cur)
    if cur.accept_kw("ON", "COMPLETION"):
        out["on_completion"] = "NOT PRESERVE" if cur.accept_kw("NOT") else "PRESERVE"
        cur.expect_kw("PRESERVE")
    if alter and cur.accept_kw("RENAME", "TO"):
        out["rename"] = cur.object_name("event")
    if cur.accept_kw("ENABLE"):
        out["status"] = "ENABLED"
    elif cur.accept_kw("DISABLE"):
        out["status"] = "SLAVESIDE_DISABLED" if (cur.accept_kw("ON", "SLAVE")
                                                 or cur.accept_kw("ON", "REPLICA")) else "DISABLED"
    if cur.accept_kw("COMMENT"):
        out["comment"] = cur.string("COMMENT")


def create_event(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """CREATE [OR REPLACE] EVENT; an event already over is dropped or disabled as the server does."""
    if_not_exists = accept_if_not_exists(cur, head)
    name = cur.object_name("event")
    opts: dict = {}
    if not cur.at_kw("ON"):
        raise OfflineError(f"event {name}: ON SCHEDULE expected")
    _event_options(cur, opts, alter=False)
    if "schedule" not in opts:
        raise OfflineError(f"event {name}: ON SCHEDULE expected")
    cur.expect_kw("DO")
    body, _ = take_body(cur, f"event {name}", with_tokens=False)
    existing = _find_event(state, name)
    if existing is not None:
        if if_not_exists:
            return
        if not head.or_replace:
            raise OfflineError(f"Event '{name}' already exists")
        del state.events[existing]
    schedule, over = opts["schedule"]
    on_completion = opts.get("on_completion", "NOT PRESERVE")
    status = opts.get("status", "ENABLED")
    if over:
        if on_completion == "NOT PRESERVE":
            return   # "The event was dropped immediately after creation"
        status = "DISABLED"
    state.events[name] = Event(
        name=name, definition=body, schedule=schedule, status=status,
        on_completion=on_completion, comment=opts.get("comment", ""), definer=definer_of(head),
        **session_fields(session))


def alter_event(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """ALTER EVENT: schedule, completion, status, comment, body or name."""
    name = cur.object_name("event")
    opts: dict = {}
    _event_options(cur, opts, alter=True)
    body = None
    if cur.accept_kw("DO"):
        body, _ = take_body(cur, f"event {name}", with_tokens=False)
    end_statement(cur)
    if not opts and body is None:
        raise OfflineError("ALTER EVENT without a change")
    key = _find_event(state, name)
    if key is None:
        raise OfflineError(f"Unknown event '{name}'")
    old = state.events[key]
    # ALTER EVENT makes the altering account the definer and records the session's
    # character sets; the sql_mode only changes with a new body
    changes: dict = {"definer": definer_of(head), "charset_client": session.charset_client,
                     "collation_connection": session.collation_connection,
                     "database_collation": session.db_collation}
    if "schedule" in opts:
        changes["schedule"], over = opts["schedule"]
        if over:
            raise OfflineError("ALTER EVENT to a schedule in the past is not supported offline")
    for k in ("on_completion", "status", "comment"):
        if k in opts:
            changes[k] = opts[k]
    if body is not None:
        changes["definition"] = body
        changes["sql_mode"] = session.sql_mode
    new_name = opts.get("rename", old.name)
    if new_name != old.name:
        if _find_event(state, new_name) not in (None, key):
            raise OfflineError(f"Event '{new_name}' already exists")
        changes["name"] = new_name
    del state.events[key]
    state.events[new_name] = replace(old, **changes)


def drop_event(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """DROP EVENT."""
    if_exists = accept_if_exists(cur)
    name = cur.object_name("event")
    end_statement(cur)
    key = _find_event(state, name)
    if key is None:
        if if_exists:
            return
        raise OfflineError(f"Unknown event '{name}'")
    del state.events[key]
