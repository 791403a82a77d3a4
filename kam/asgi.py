import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
application = get_asgi_application()

from kam.runtime import freeze_startup_heap  # noqa: E402 - needs the settings loaded above

freeze_startup_heap()
