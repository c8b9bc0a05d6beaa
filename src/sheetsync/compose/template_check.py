"""An organization's own email templates, checked before anything is sent.

Every kind of email (reminder digest, escalation, Resolved note, monthly summary) is rendered
with the custom folder against the bundled sample tracker, so a template that names a value the
emails do not have, or that jinja2 cannot read, stops ``check`` and ``run`` with the
template's name and line, whatever the real tracker happens to send that day.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Sequence
from pathlib import Path

from jinja2 import TemplateSyntaxError, UndefinedError

from ..errors import TemplateProblem
from ..plan import Notification
from ..plan.resolved import resolved_example
from ..schema import DIGEST, ESCALATION, OVERDUE_NOTICE, REMINDER, RESOLVED
from . import TEMPLATES, Envelope, environment, render


def check_templates(
    folder: str, notes: Sequence[Notification], envelope: Envelope, today: dt.date
) -> None:
    """Render every kind of email with the templates in ``folder`` (defaults fill the gaps).

    ``notes`` are one email of each kind (``one_of_each_kind``), planned for the sample.

    Raises:
        TemplateProblem: the folder is missing, or a template fails; the message names
            the template and its line.
    """
    if not Path(folder).is_dir():
        raise TemplateProblem(f"--templates {folder}: there is no such folder")
    env = environment(folder)
    for note in notes:
        try:
            render(note, envelope, today, env)
        except TemplateSyntaxError as exc:
            where = f"{exc.name or exc.filename}, line {exc.lineno}"
            raise TemplateProblem(f"template {where} cannot be read: {exc.message}") from None
        except Exception as exc:  # any failure inside a template is the template's
            raise TemplateProblem(_describe(exc, TEMPLATES[note.kind])) from None


def _describe(exc: Exception, kind: str) -> str:
    """``template digest.html.j2, line 12: 'client' is not a value the emails have``."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    where = f"{Path(frames[-1].filename).name}, line {frames[-1].lineno}" if frames else kind
    if isinstance(exc, UndefinedError):
        what = f"{exc.message} (not a value the emails have; see docs/templates.md)"
    else:
        what = f"{type(exc).__name__}: {exc}"
    return f"template {where}: {what}"


def one_of_each_kind(notes: Sequence[Notification]) -> list[Notification]:
    """The first email of each kind; the digest one that lists both overdue milestones and
    milestones coming up; a Resolved note made from the escalation when none is planned."""
    chosen: dict[str, Notification] = {}
    for note in notes:
        kinds = {item.kind for item in note.items}
        if note.kind == DIGEST and not {REMINDER, OVERDUE_NOTICE} <= kinds:
            continue
        chosen.setdefault(note.kind, note)
    if ESCALATION in chosen and RESOLVED not in chosen:
        chosen[RESOLVED] = resolved_example(chosen[ESCALATION])
    return list(chosen.values())
