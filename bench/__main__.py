import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sheetflow.settings")
django.setup()

from bench import main  # noqa: E402

main()
