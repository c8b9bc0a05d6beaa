"""The templates' jinja2 environment, made cheap for emails that list thousands of milestones.

A template spends its time per listed item, not per email: each ``{{ r.title }}``, each
method called inside a template (``link.startswith(...)``) and each macro call costs more
than the text it writes. Here:

- a dict's keys (the monthly summary's rows, chart bars and problems) are read directly:
  jinja2 first asks a dict for an attribute of that name and only after the failure for
  the key, and that failure cost more than the rest of a summary row;
- what the default templates did with method calls is a filter or a test, which a
  compiled template calls directly: ``{{ item.rule|sentence }}`` (the Why line: first
  letter capital, a full stop at the end) and ``{% if item.link is web %}`` (an
  ``https://`` or ``http://`` link, the only kind an email links to);
- each value an HTML template writes is escaped by ``escaped``, not by jinja2's
  ``escape``: the same text, without making a ``Markup`` object of every value (jinja2's
  way cost more than the rest of a card). What a template writes is only ever joined
  into the page or a macro's text, so a plain string of escaped text is as good.

A template reads exactly what it read before; the filters and the test are there for
custom templates too (docs/templates.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape

from ..cells.addresses import Address

_DICT_NAMES = frozenset(dir(dict))  # what getattr finds on a plain dict: its methods


def escaped(value: Any) -> str:
    """``value`` as an HTML template writes it: the text of ``markupsafe.escape(value)``.

    Most values are short strings with nothing to escape, whole numbers, or a macro's
    text (already escaped): they are written as they are.
    """
    if type(value) is str:
        if "&" in value or "<" in value or ">" in value or "'" in value or '"' in value:
            return escape(value)
        return value
    if type(value) is int:
        return str(value)
    if type(value) is Markup:
        return value
    return escape(value)


class EscapingCodeGenerator(CodeGenerator):
    """jinja2's compiler, writing ``{{ value }}`` in an autoescaped template as
    ``environment.escaped(value)`` (where it would write ``escape(value)``).

    Where autoescaping is decided only at render time (an ``{% autoescape %}`` block
    with a variable), jinja2's own code is kept.
    """

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escaped(")
        if finalize.src is not None:
            self.write(finalize.src)


class EmailEnvironment(Environment):
    """jinja2's environment with a shorter way to a plain dict's keys, and values written
    into HTML without a ``Markup`` object each (``escaped``).

    ``r.title`` on a dict is ``r["title"]`` in jinja2 whenever ``dict`` has no attribute
    of that name; asked in that order, no AttributeError is raised and caught per value.
    """

    code_generator_class = EscapingCodeGenerator
    escaped = staticmethod(escaped)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is not dict:
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        elif attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return Environment.getattr(self, obj, attribute)  # jinja2's own, for the rest


@lru_cache(maxsize=4096)
def sentence(text: str) -> str:
    """``text`` as a sentence: its first letter a capital, a full stop at its end.

    Made once per text a run: a big tracker's rules are a few hundred texts, each on
    thousands of items."""
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"


def people(addresses: Iterable[Address]) -> str:
    """``Ann Lee <ann@x.com>, bob@x.com``: each address with its name, if it has one.

    The text the default templates wrote with a loop over the addresses (an HTML
    template escapes it like any value: ``Ann Lee &lt;ann@x.com&gt;``).
    """
    return ", ".join([f"{a.name} <{a.email}>" if a.name else f"{a.email}" for a in addresses])


def is_web(link: object) -> bool:
    """Whether ``link`` is an ``https://`` or ``http://`` address (what emails link to)."""
    return isinstance(link, str) and link.startswith(("https://", "http://"))


def install(env: Environment) -> Environment:
    """Add the ``sentence`` and ``people`` filters and the ``web`` test to ``env``."""
    env.filters["sentence"] = sentence
    env.filters["people"] = people
    env.tests["web"] = is_web
    return env
