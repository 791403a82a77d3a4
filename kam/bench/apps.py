from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark commands (bench_api, bench_import, bench_pages, bench_recompute): project
    wiring above the apps, since each measures several of them."""

    name = "kam.bench"
    label = "bench"
