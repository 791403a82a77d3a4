from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo portfolio builder and `seed_demo`: project wiring above the apps, since it runs
    each app's demo steps in order."""

    name = "kam.demo"
    label = "demo"
