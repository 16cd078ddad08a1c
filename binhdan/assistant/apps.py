import os
import sys

from django.apps import AppConfig
from django.conf import settings

# Management commands that serve requests, and so should answer their first question fast.
_SERVING_COMMANDS = frozenset({"runserver", "runserver_plus"})


def should_warm(argv: list[str] | None = None) -> bool:
    """Whether this process serves residents' questions: a WSGI/ASGI worker or runserver's serving child.

    ``ASSISTANT_WARM_INDEX`` (True/False) overrides the guess. Other management commands (migrate,
    shell, collectstatic …) and test runs skip the few seconds it takes to build the index.
    """
    configured = getattr(settings, "ASSISTANT_WARM_INDEX", None)
    if configured is not None:
        return bool(configured)
    if "pytest" in sys.modules:
        return False
    argv = sys.argv if argv is None else argv
    program = os.path.basename(argv[0]) if argv else ""
    if program in {"manage.py", "django-admin", "django-admin.py", "__main__.py"}:
        if len(argv) < 2 or argv[1] not in _SERVING_COMMANDS:
            return False
        # runserver's autoreloader runs a watcher process and a serving child (RUN_MAIN=true)
        # (Django's own variable, not a setting of ours: named through its constant.)
        from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

        return os.environ.get(DJANGO_AUTORELOAD_ENV) == "true" or "--noreload" in argv
    return True


class AssistantConfig(AppConfig):
    name = "binhdan.assistant"
    label = "assistant"
    verbose_name = "Trợ lý ảo học kỹ năng số"

    def ready(self) -> None:
        from binhdan.assistant.panels import resident_progress
        from binhdan.registry.panels import register_panel

        register_panel("resident", "assistant-progress", resident_progress)
        if should_warm():
            # Synchronous on purpose: with gunicorn --preload the master builds the index once and the
            # forked workers share it; a background thread would not survive the fork.
            from binhdan.assistant.retrieval import warm

            warm()
