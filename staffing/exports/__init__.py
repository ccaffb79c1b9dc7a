"""Pure builders of the planner exports: Excel workbook, iCalendar files, flat CSV rota.

Each builder takes a :class:`~staffing.planning.model.Plan` and returns bytes or
a DataFrame; :mod:`staffing.io.exports` reads plan directories and writes the files.
"""

from staffing.exports.calendar import build_calendars, calendar_filename, shift_uid
from staffing.exports.rota import flat_rota, rota_grid
from staffing.exports.workbook import build_workbook
from staffing.planning.model import Plan, PlanMeta

__all__ = [
    "Plan",
    "PlanMeta",
    "build_calendars",
    "build_workbook",
    "calendar_filename",
    "flat_rota",
    "rota_grid",
    "shift_uid",
]
