"""Data in: CSV and XLSX imports of customers, sales lines, activities, cost rates, contacts,
metric entries and ratings, with a dry run, a per-row error report and all-or-nothing commits.

The engine is plumbing in `kam/imports/` (reading files, cell rules, the row-wise engine, the
PostgreSQL COPY fast path, the registry of kinds). Here: the kinds of accounts' models
(`layouts.py`, `kinds.py`; scoring's are in `scoring/imports.py`), and the import jobs, with
the services the browser, the command and the Celery task call (`services.py`).
"""
