"""The administration CLI: `kruispunt-matcher` and `flask --app matcher` run the same commands.

The command groups live in :mod:`matcher.cli`; every change they make goes through a service
and is audited with the actor ``cli:<operating-system user>``.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from matcher import create_app

main = FlaskGroup(
    name="kruispunt-matcher",
    create_app=create_app,
    help="Administer the Kruispunt matcher: database, agencies, tokens, key epochs, users, audit.",
)
