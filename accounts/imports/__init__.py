"""Data in: CSV and XLSX imports of customers, sales lines, activities, cost rates, contacts,
metric entries and ratings, with a dry run, a per-row error report and all-or-nothing commits.

Layouts (one per kind) live in `layouts.py`, reading files in `reading.py`, cell rules in
`columns.py`, the row-wise engine in `engine.py`, the PostgreSQL COPY fast path in `copy.py`,
and the services the browser, the command and the Celery task call in `services.py`.
"""
