"""The working-day calendar and what is counted on it.

- ``workdays``: the China working-day calendar (``WorkCalendar``: chinesecalendar, holidays.toml,
  admin overrides) — pure.
- ``deadlines``: publish deadline, stage due dates and reminder rungs of items — pure.
- ``store``: the admin overrides in the database and ``StoredCalendar``, the calendar source the
  context is built with (``workflow.wiring``).
- ``admin``: the admin verbs that add or remove an override and re-date open work.
"""
