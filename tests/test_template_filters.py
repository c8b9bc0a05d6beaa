"""compose/jinja.py: the ``sentence`` and ``people`` filters, the ``web`` test, a dict's keys
and the escaping of what an HTML template writes, as the templates (default and custom) see
them."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup, escape

from sheetsync.cells.addresses import Address
from sheetsync.compose import environment
from sheetsync.compose.jinja import escaped


def test_sentence_and_web_in_a_custom_template(tmp_path: Path) -> None:
    """A custom template gets the Why line as a sentence and links only web addresses."""
    (tmp_path / "line.txt.j2").write_text(
        "{{ rule|sentence }} {% if link is web %}<{{ link }}>{% else %}no link{% endif %}"
    )
    template = environment(str(tmp_path)).get_template("line.txt.j2")
    assert template.render(rule="notice is due", link="https://x.example/r") == (
        "Notice is due. <https://x.example/r>"
    )
    assert template.render(rule="Ends.", link="javascript:alert(1)") == "Ends. no link"
    assert template.render(rule="", link=None) == ". no link"


def test_html_sentence_is_escaped() -> None:
    """In an HTML email the Why line is escaped like every other value."""
    template = environment().from_string(
        "{% autoescape true %}{{ rule|sentence }}{% endautoescape %}"
    )
    assert template.render(rule="<b>a & b</b>") == "&lt;b&gt;a &amp; b&lt;/b&gt;."


def test_dict_keys_read_as_jinja2_reads_them() -> None:
    """A row's keys are its values, a dict method stays a method, a missing key stops."""
    template = environment().from_string("{{ row.title }}|{{ row.items is callable }}")
    assert template.render(row={"title": "Renewal", "items": 3}) == "Renewal|True"
    with pytest.raises(UndefinedError):
        environment().from_string("{{ row.missing }}").render(row={"title": "x"})


class Shown:
    """A value with its own HTML, as a custom template might be given."""

    def __html__(self) -> str:
        return "<i>own</i>"

    def __str__(self) -> str:
        return "<plain>"


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a & b",
        "<b>",
        'it\'s "x"',
        "",
        42,
        -7,
        True,
        2.5,
        None,
        Markup("<b>ok</b>"),
        Shown(),
    ],
)
def test_html_values_are_written_as_markupsafe_escapes_them(value: object) -> None:
    """Every value an HTML template writes is the text markupsafe's escape gives."""
    assert escaped(value) == str(escape(value))
    template = environment().from_string(
        "{% autoescape true %}[{{ v }}]{% set s %}{{ v }}{% endset %}{{ s }}{% endautoescape %}"
    )
    assert template.render(v=value) == f"[{escape(value)}]{escape(value)}"


def test_autoescape_decided_at_render_time_still_escapes() -> None:
    """An autoescape block whose switch is a variable escapes when it is on, not when off."""
    template = environment().from_string("{% autoescape on_ %}{{ v }}{% endautoescape %}")
    assert template.render(on_=True, v="<b>") == "&lt;b&gt;"
    assert template.render(on_=False, v="<b>") == "<b>"


def test_people_lists_each_address_with_its_name() -> None:
    """The owners read as the default emails list them, escaped in HTML like any value."""
    owners = (Address("Ann & Lee", "ann@x.com"), Address("", "bob@x.com"))
    text = environment().from_string("{{ owners|people }}|{{ nobody|people }}")
    assert text.render(owners=owners, nobody=()) == "Ann & Lee <ann@x.com>, bob@x.com|"
    html = environment().from_string("{% autoescape true %}{{ owners|people }}{% endautoescape %}")
    assert html.render(owners=owners) == "Ann &amp; Lee &lt;ann@x.com&gt;, bob@x.com"
