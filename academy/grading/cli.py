"""``flask --app wsgi finish-quiz-attempts``: quiz attempts whose time ran out count without their student."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from academy.db import get_session, utcnow
from academy.grading.quizzes import finish_all_expired


@click.command("finish-quiz-attempts")
@with_appcontext
def finish_quiz_attempts_command() -> None:
    """Finish the quiz attempts whose time limit (or the quiz's due date) has passed.

    An attempt is scored with the answers saved before its deadline, and the student's best
    attempt becomes the grade, as when the student submits. The student's own next visit does the
    same; this catches attempts nobody comes back to, so that the gradebook shows them as handed
    in. Run it from cron, e.g. every ten minutes:

        */10 * * * *  flask --app wsgi finish-quiz-attempts

    Running it again finishes nothing twice.
    """
    session = get_session()
    finished = finish_all_expired(session, utcnow())
    session.commit()
    click.echo(f"{finished} quiz attempts finished.")


def register(app: Flask) -> None:
    app.cli.add_command(finish_quiz_attempts_command)
