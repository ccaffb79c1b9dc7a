"""One iCalendar (RFC 5545) file per agent with one VEVENT per shift.

Publishing strategy (so calendar clients *update* events instead of duplicating them):

* **UID** is deterministic: ``uuid5(namespace, "<agent_id>|<shift start date>")`` +
  ``@<uid_domain>`` (a second shift starting the same day adds ``|2``...). Re-exporting the
  same plan, or a changed plan, gives the same UID for the same agent-day.
* **SEQUENCE** starts at 0 and is the previous export's SEQUENCE + 1 whenever anything a
  user sees changed (start, end, summary, description, status); unchanged events keep
  their SEQUENCE. The previous export is the folder being overwritten (``previous``).
* **DTSTAMP** / **LAST-MODIFIED** is the export time for new or changed events and the
  previous value for unchanged ones, so re-publishing an unchanged plan is byte-identical.
* A shift of the plan week present in the previous export but no longer planned is kept
  as ``STATUS:CANCELLED`` with SEQUENCE + 1 so subscribers drop it; events of other weeks
  in the previous file are carried over unchanged (the file is the agent's feed).

Times: naive plan times are local wall-clock times in the plan's IANA zone; events carry
``TZID=<zone>`` and each calendar has the matching VTIMEZONE (generated from the tz
database by icalendar), so DST changes are handled by the client exactly like the zone.
On the repeated hour of an autumn change a naive time is read as its first occurrence.

Reference: RFC 5545 sections 3.8.4.7 (UID), 3.8.7.4 (SEQUENCE), 3.8.7.2 (DTSTAMP), 3.6.5 (VTIMEZONE).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd

from staffing.errors import DataError, DataIssue, InvalidArgumentError
from staffing.exports.rota import format_breaks, iter_shifts
from staffing.planning.model import Plan

#: Namespace of the deterministic shift UIDs (never change it: UIDs would change).
UID_NAMESPACE = uuid.UUID("6f1d3c7e-2b7a-5d0e-9a51-7f0c2c1e4b11")
PRODID = "-//staffing//roster export//EN"
_AGENT_PROP = "X-STAFFING-AGENT-ID"


def shift_uid(agent_id: str, shift_date: date, occurrence: int = 1, *, uid_domain: str = "staffing") -> str:
    """The stable UID of an agent's ``occurrence``-th shift starting on ``shift_date``."""
    key = f"{agent_id}|{shift_date.isoformat()}" + (f"|{occurrence}" if occurrence > 1 else "")
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@{uid_domain}"


def calendar_filename(agent_id: str) -> str:
    """File name of an agent's calendar: the id with unsafe characters replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", agent_id) + ".ics"


@dataclass(frozen=True)
class _Previous:
    sequence: int
    stamp: datetime
    fingerprint: tuple[object, ...]
    start: datetime
    component: icalendar.Event


def _fingerprint(event: icalendar.Event) -> tuple[object, ...]:
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    return (
        start.astimezone(UTC), end.astimezone(UTC), str(getattr(start.tzinfo, "key", start.tzinfo)),
        str(event.get("SUMMARY", "")), str(event.get("DESCRIPTION", "")), str(event.get("STATUS", "")),
    )


def _parse_previous(name: str, data: bytes) -> tuple[str | None, dict[str, _Previous]]:
    """The events of a previous export, to keep their UIDs and raise their SEQUENCE.

    Raises
    ------
    DataError
        The file is not an iCalendar file this tool can read (named, nothing is written).
    """
    try:
        cal = icalendar.Calendar.from_ical(data)
        return _previous_events(cal)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise DataError([DataIssue(name, None, None,
                                   f"cannot be read as the previous iCalendar export ({exc}); move it out of the "
                                   "folder or export to an empty folder")]) from None


def _previous_events(cal: icalendar.Calendar) -> tuple[str | None, dict[str, _Previous]]:
    agent = cal.get(_AGENT_PROP)
    out: dict[str, _Previous] = {}
    for ev in cast("list[icalendar.Event]", cal.walk("VEVENT")):
        stamp = ev.decoded("DTSTAMP") if "DTSTAMP" in ev else datetime(1970, 1, 1, tzinfo=UTC)
        out[str(ev["UID"])] = _Previous(
            sequence=int(ev.get("SEQUENCE", 0)), stamp=stamp, fingerprint=_fingerprint(ev),
            start=ev.decoded("DTSTART"), component=ev,
        )
    return (str(agent) if agent is not None else None), out


def _localize(stamp: pd.Timestamp, zone: ZoneInfo) -> datetime:
    return stamp.to_pydatetime().replace(tzinfo=zone, fold=0)


def _event(uid: str, start: datetime, end: datetime, summary: str, description: str, status: str) -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("UID", uid)
    ev.add("DTSTART", start)
    ev.add("DTEND", end)
    ev.add("SUMMARY", summary)
    ev.add("DESCRIPTION", description)
    ev.add("STATUS", status)
    ev.add("TRANSP", "OPAQUE")
    ev.add("CATEGORIES", ["Shift"])
    return ev


def _stamp(ev: icalendar.Event, sequence: int, stamp: datetime) -> icalendar.Event:
    ev.add("SEQUENCE", sequence)
    ev.add("DTSTAMP", stamp)
    ev.add("LAST-MODIFIED", stamp)
    return ev


def _shift_events(
    roster: pd.DataFrame, zone: ZoneInfo, uid_domain: str
) -> list[tuple[str, icalendar.Event]]:
    events: list[tuple[str, icalendar.Event]] = []
    seen: dict[tuple[str, date], int] = {}
    for rec in iter_shifts(roster):
        start, end = rec.start, rec.end
        key = (rec.agent_id, start.date())
        seen[key] = seen.get(key, 0) + 1
        paid_hours = rec.paid_minutes / 60.0
        lines = [f"Agent: {rec.agent_id}", f"Paid hours: {paid_hours:g}"]
        lines.append("Breaks: " + (format_breaks(rec.breaks, start) if rec.breaks else "none"))
        events.append((key[0], _event(
            shift_uid(key[0], key[1], seen[key], uid_domain=uid_domain),
            _localize(start, zone), _localize(end, zone),
            f"Shift {start:%H:%M}-{end:%H:%M}", "\n".join(lines), "CONFIRMED",
        )))
    return events


def _calendar(agent_id: str, timezone: str, events: list[icalendar.Event],
              vtimezone: icalendar.Timezone) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.add("X-WR-CALNAME", f"Shifts {agent_id}")
    cal.add("X-WR-TIMEZONE", timezone)
    cal.add(_AGENT_PROP, agent_id)
    if events:
        cal.add_component(vtimezone)
    for ev in sorted(events, key=lambda e: (e.decoded("DTSTART").astimezone(UTC), str(e["UID"]))):
        cal.add_component(ev)
    return cal


def build_calendars(
    plan: Plan,
    *,
    now: datetime,
    previous: Mapping[str, bytes] | None = None,
    uid_domain: str = "staffing",
) -> dict[str, bytes]:
    """Build one ``.ics`` file per agent.

    Parameters
    ----------
    plan
        The plan; ``plan.meta.timezone`` must be set.
    now
        The export time (timezone-aware), used as DTSTAMP of new or changed events.
    previous
        The files of the previous export (file name -> bytes), to keep SEQUENCE and
        DTSTAMP and to cancel shifts no longer planned. ``None`` = first publication.
    uid_domain
        Right-hand side of every UID (e.g. your site's domain).

    Returns
    -------
    dict
        File name (:func:`calendar_filename`) -> iCalendar bytes, one per agent in the plan
        or in ``previous``.
    """
    if plan.meta.timezone is None:
        raise InvalidArgumentError("timezone", None, "an IANA time zone (plan.json 'timezone' or --timezone)")
    if now.tzinfo is None:
        raise InvalidArgumentError("now", now, "a timezone-aware datetime")
    zone = ZoneInfo(plan.meta.timezone)
    stamp_now = now.astimezone(UTC).replace(microsecond=0)
    week_from = datetime.combine(plan.meta.week_start, datetime.min.time(), tzinfo=zone)
    week_to = week_from + timedelta(days=7)

    by_file: dict[str, tuple[str, list[icalendar.Event]]] = {}
    for agent, ev in _shift_events(plan.roster, zone, uid_domain):
        owner, evs = by_file.setdefault(calendar_filename(agent), (agent, []))
        if owner != agent:
            raise InvalidArgumentError("agent_id", agent, f"an id whose file name differs from {owner!r}'s")
        evs.append(ev)
    old: dict[str, tuple[str | None, dict[str, _Previous]]] = {
        name: _parse_previous(name, data) for name, data in (previous or {}).items()
    }

    # One VTIMEZONE for every file (generating it is slow), spanning every event a year either side.
    starts = [ev.decoded("DTSTART").date() for _, evs in by_file.values() for ev in evs]
    starts += [p.start.date() for _, prior in old.values() for p in prior.values()]
    anchor = plan.meta.week_start
    vtimezone = icalendar.Timezone.from_tzid(
        plan.meta.timezone,
        first_date=min(starts, default=anchor) - timedelta(days=366),
        last_date=max(starts, default=anchor) + timedelta(days=366),
    )
    out: dict[str, bytes] = {}
    for name in sorted(set(by_file) | set(old)):
        old_agent, old_events = old.get(name, (None, {}))
        agent, fresh = by_file.get(name, (old_agent or name.removesuffix(".ics"), []))
        events: list[icalendar.Event] = []
        for ev in fresh:
            prior = old_events.get(str(ev["UID"]))
            if prior is None:
                events.append(_stamp(ev, 0, stamp_now))
            elif prior.fingerprint == _fingerprint(ev):
                events.append(_stamp(ev, prior.sequence, prior.stamp))
            else:
                events.append(_stamp(ev, prior.sequence + 1, stamp_now))
        planned = {str(ev["UID"]) for ev in fresh}
        for uid, prior in old_events.items():
            if uid in planned:
                continue
            in_week = week_from <= prior.start.astimezone(zone) < week_to
            if not in_week or str(prior.component.get("STATUS", "")) == "CANCELLED":
                events.append(prior.component)
                continue
            cancelled = _event(uid, prior.component.decoded("DTSTART"), prior.component.decoded("DTEND"),
                               str(prior.component.get("SUMMARY", "")),
                               str(prior.component.get("DESCRIPTION", "")), "CANCELLED")
            events.append(_stamp(cancelled, prior.sequence + 1, stamp_now))
        out[name] = _calendar(agent, plan.meta.timezone, events, vtimezone).to_ical()
    return out
