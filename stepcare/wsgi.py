import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stepcare.settings")
application = get_wsgi_application()

from stepcare.startup import require_services  # noqa: E402  (needs the settings loaded above)

require_services("web server")
