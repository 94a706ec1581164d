"""``flask --app wsgi worker``: runs the background jobs queued in Redis."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from academy.jobs.queue import queue_name, redis_client, work


@click.command("worker")
@with_appcontext
@click.option(
    "--queue",
    default=None,
    help="Redis list to take job ids from (default: the JOB_QUEUE setting, else academy:jobs).",
)
@click.option("--burst", is_flag=True, help="Stop when the queue is empty instead of waiting for more.")
@click.option("--max-jobs", type=click.IntRange(1), default=None, help="Stop after running this many jobs.")
@click.option(
    "--wait",
    type=click.IntRange(1, 60),
    default=5,
    show_default=True,
    help="Seconds one BLPOP waits before checking for a stop request.",
)
def worker_command(queue: str | None, burst: bool, max_jobs: int | None, wait: int) -> None:
    """Run background jobs (such as enrolment imports) queued in Redis, one at a time.

    Needs REDIS_URL: the web app pushes the id of each job it creates onto a Redis list, and this
    command pops ids (BLPOP) and runs the jobs in order. A job that fails is marked FAILED with its
    error and the worker goes on with the next one. SIGTERM or Ctrl-C stops the worker after the
    job in hand. Without REDIS_URL jobs run inline in the web request and no worker is needed.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if redis_client(app) is None:
        raise click.ClickException("REDIS_URL is not set: jobs run inline and need no worker.")
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        click.echo("Stopping after the current job.", err=True)
        stop.set()

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, request_stop) if in_main_thread else None
    name = queue or queue_name(app)
    click.echo(f"Worker waiting for jobs on {name}.", err=True)
    try:
        ran = work(app, queue=name, burst=burst, max_jobs=max_jobs, wait=wait, should_stop=stop.is_set)
    except KeyboardInterrupt:
        raise click.Abort() from None
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    click.echo(f"Worker stopped after {ran} job(s).")


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
