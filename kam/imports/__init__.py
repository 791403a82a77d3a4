"""The import engine, plumbing every app uses: reading CSV and XLSX files (`reading`), cell
rules (`columns`), layouts (`layouts`), what a kind is and the registry of kinds (`kinds`), the
row-wise engine (`engine`), the PostgreSQL COPY fast path (`pg_copy`) and the report (`report`).
Each app defines its own kinds and registers them in its `AppConfig.ready()`.
"""
