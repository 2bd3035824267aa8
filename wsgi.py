"""gunicorn serves ``wsgi:app``; ``flask --app wsgi`` runs the CLI."""

from contest import create_app

app = create_app()
