"""Any cell, never a crash (issue 10 item 3): odd addresses, encoded words and control
characters through whole runs, over a real aiosmtpd server and into the outbox."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pandas as pd

from conftest import TODAY, tracker_grids, write_workbook
from sheetsync.backends.memory import MemoryBackend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.pipeline import RunOptions, check, prepare, run
from sheetsync.testing.smtpd import SmtpServer
from sheetsync.transports.outbox import OutboxTransport
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

OWNER, ESCALATE = 5, 6  # Milestones columns: Owner, Escalate To
CRLF_WORD = "=?utf-8?q?x=0D=0ABcc:_eve@elsewhere.org=0D=0AX-Injected:_yes?="
HEADERS = {"subject", "from", "to", "cc", "reply-to", "date", "message-id", "auto-submitted"}
HEADERS |= {"x-auto-response-suppress", "mime-version", "content-type"}


def options() -> RunOptions:
    """Run as of TODAY at noon UTC."""
    noon = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=dt.UTC)
    return RunOptions(today=TODAY, clock=lambda: noon)


def over_smtp(grids: dict) -> list:
    """Run ``grids`` once through a real SMTP server on loopback; the messages it accepted."""
    with SmtpServer() as server:
        transport = SmtpTransport(server.url(), None, policy=SmtpPolicy(sleep=lambda _: None))
        run(MemoryBackend(grids), transport, options())
    return server.messages


def into_outbox(grids: dict, folder: Path) -> list:
    """Run ``grids`` once into an outbox folder; the .eml files parsed back."""
    run(MemoryBackend(grids), OutboxTransport(folder), options())
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def problems(grids: dict) -> list[str]:
    """The Problems a check of ``grids`` reports, as sentences."""
    return [p.message for p in check(MemoryBackend(grids), options()).problems]


def with_owner(owner: str) -> dict:
    """The default tracker with the overdue milestone M-0002 owned by ``owner``."""
    grids = tracker_grids()
    grids["Milestones"][2][OWNER] = owner
    return grids


def test_internationalized_domain_is_delivered_at_its_ascii_form():
    """An owner at exämple.com gets the overdue notice at xn--exmple-cua.com."""
    received = over_smtp(with_owner("Dan <dan@exämple.com>"))
    mine = [m for m in received if "dan@xn--exmple-cua.com" in m.envelope_to]
    assert len(mine) == 2  # the overdue notice, and the escalation copied to him
    assert all(str(m["To"]).isascii() and str(m["Cc"] or "").isascii() for m in mine)


def test_punycode_and_unicode_spellings_are_one_recipient():
    """dan@xn--exmple-cua.com and dan@exämple.com in one cell are one address, one email."""
    received = over_smtp(with_owner("dan@xn--exmple-cua.com; DAN@EXÄMPLE.COM"))
    digests = [m for m in received if str(m["Message-ID"]).startswith("<digest.")]
    notices = [m for m in digests if "overdue" in str(m["Subject"])]
    assert [m.envelope_to for m in notices] == [["dan@xn--exmple-cua.com"]]


def test_full_width_address_reads_as_the_plain_one():
    """ｄａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ typed with an IME is dan@example.com."""
    received = over_smtp(with_owner("ｄａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ"))
    assert any(m.envelope_to == ["dan@example.com"] for m in received)
    assert problems(with_owner("ｄａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ")) == []


def test_non_ascii_local_part_is_a_problem_and_never_sent():
    """jöhn@exämple.com needs SMTPUTF8: a Problem in plain words, and no email to it."""
    grids = with_owner("jöhn@exämple.com")
    assert (
        'Owner: "jöhn@exämple.com" has letters outside A-Z before the @, which many mail '
        "servers cannot deliver; use a plain address" in problems(grids)
    )
    received = over_smtp(grids)
    assert not any("xn--" in to or "ö" in to for m in received for to in m.envelope_to)
    assert received  # the rest of the tracker still goes out


def test_allowed_domains_may_be_written_in_unicode():
    """Allowed domains: exämple.com lets dan@xn--exmple-cua.com through, no Problem."""
    grids = with_owner("dan@xn--exmple-cua.com")
    grids["Settings"].append(["Allowed domains", "exämple.com, example.com"])
    assert problems(grids) == []
    assert any("dan@xn--exmple-cua.com" in m.envelope_to for m in over_smtp(grids))


def test_encoded_word_in_a_title_stays_literal_over_smtp():
    """A title holding an encoded word that decodes to CR/LF adds no header or recipient,
    and the received Subject shows the title exactly as typed."""
    grids = tracker_grids()
    grids["Milestones"][2][2] = f"Pay {CRLF_WORD}"
    received = over_smtp(grids)
    digests = [m for m in received if str(m["Message-ID"]).startswith("<digest.")]
    notice = [str(m["Subject"]) for m in digests if "overdue" in str(m["Subject"])]
    assert len(notice) == 1 and notice[0].endswith("… is 4 days overdue")
    assert notice[0].startswith(f"Tracker: Pay {CRLF_WORD[:40]}")
    for message in received:
        assert {name.lower() for name in message} <= HEADERS
        assert "eve@elsewhere.org" not in message.envelope_to


def test_encoded_words_in_names_and_sender_stay_literal_in_the_outbox(tmp_path):
    """Encoded words in an Owner's display name, the Sender and a contract name come out of
    the .eml files as the literal text, with no extra header."""
    grids = with_owner(f'"Dan {CRLF_WORD}" <dan@example.com>')
    grids["Settings"][1][1] = f'"Desk {CRLF_WORD}" <contracts@example.com>'
    grids["Contracts"][2][1] = f"Globex {CRLF_WORD}"
    grids["Settings"].append(["Tracker name", f"Acme {CRLF_WORD}"])
    messages = into_outbox(grids, tmp_path)
    assert messages
    for message in messages:
        assert {name.lower() for name in message} <= HEADERS
        assert message["From"].addresses[0].display_name == f"Desk {CRLF_WORD}"
    to_dan = [m for m in messages if m["To"].addresses[0].addr_spec == "dan@example.com"]
    assert to_dan and to_dan[0]["To"].addresses[0].display_name == f"Dan {CRLF_WORD}"
    assert all(str(m["Subject"]).startswith(f"Acme {CRLF_WORD[:20]}") for m in messages)


CONTROLS = ["\x00", "\x07", "\x1b[31m", "\u2028", "\u202e", "\u200b", "\x85", "\ufeff"]


def test_control_characters_in_titles_never_reach_a_header(tmp_path):
    """NUL, BEL, ESC, U+2028, a bidi override and zero-width characters in a title and a
    contract name leave every header one clean line."""
    mess = "".join(CONTROLS)
    grids = tracker_grids()
    grids["Milestones"][2][2] = f"Pay{mess}now"
    grids["Contracts"][2][1] = f"Globex{mess}lease"
    messages = into_outbox(grids, tmp_path)
    digests = [m for m in messages if str(m["Message-ID"]).startswith("<digest.")]
    overdue = [str(m["Subject"]) for m in digests if "overdue" in str(m["Subject"])]
    assert overdue == ["Tracker: Pay [31m now is 4 days overdue"]
    for message in messages:
        for _, value in message.items():
            assert str(value).isprintable(), repr(value)


def test_control_characters_in_an_address_are_a_problem():
    """An Owner whose display name hides an ESC sequence is a Problem, shown readably."""
    grids = with_owner("Dan\x1b[2J <dan@example.com>")
    assert 'Owner: "Dan␛[2J <dan@example.com>" is not an email address' in problems(grids)


def test_control_characters_in_a_date_become_a_readable_problem():
    """A Due Date holding BEL and ESC is a Problem that shows them as visible symbols."""
    grids = tracker_grids()
    grids["Milestones"][2][4] = "2027-01-01\x07\x1b"
    assert 'Due Date: "2027-01-01␇␛" is not a date we can read' in problems(grids)


# -- a person's column that shares a system column's name; tab names -------------------------


def read_tab(path: Path, title: str) -> list[list[object]]:
    """A tab of a saved workbook, as values."""
    book = openpyxl.load_workbook(path)
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def escalation_as_contacts() -> dict:
    """The default tracker whose Escalate To column is headed "Escalation" by its team."""
    grids = tracker_grids()
    header = grids["Milestones"][0] = list(grids["Milestones"][0])  # the shared list stays
    header[ESCALATE] = "Escalation"
    grids["Milestones"][2][ESCALATE] = "Ops Lead <ops@example.com>"
    return grids


def test_a_persons_escalation_column_is_read_as_escalate_to_and_never_overwritten(tmp_path):
    """A team's own "Escalation" contacts keep what they typed; the escalation goes to
    them; the program writes its level into a column of its own, Escalation Level."""
    path = write_workbook(tmp_path / "t.xlsx", escalation_as_contacts())
    outbox = tmp_path / "outbox"
    for _ in range(2):
        run(XlsxBackend(path), OutboxTransport(outbox), options())
    rows = read_tab(path, "Milestones")
    header = rows[0]
    typed = [row[ESCALATE] for row in rows[1:]]
    assert typed == [None, "Ops Lead <ops@example.com>", None, None, None]
    level = [row[header.index("Escalation Level")] for row in rows[1:]]
    assert level[1] == "Level 1 → ops@example.com"
    assert header.count("Escalation") == 1 and "Escalate To" not in header


def test_a_persons_escalation_notes_next_to_escalate_to_are_left_alone(tmp_path):
    """Free text in a person's "Escalation" column beside Escalate To stays as typed."""
    grids = tracker_grids()
    grids["Milestones"][0] = [*grids["Milestones"][0], "Escalation"]
    for row in grids["Milestones"][1:]:
        row.append("call the GC first")
    path = write_workbook(tmp_path / "t.xlsx", grids)
    run(XlsxBackend(path), OutboxTransport(tmp_path / "outbox"), options())
    rows = read_tab(path, "Milestones")
    at = rows[0].index("Escalation")
    assert [row[at] for row in rows[1:]] == ["call the GC first"] * 5
    assert rows[2][rows[0].index("Escalation Level")] == "Level 1 → cfo@example.com"


def test_the_programs_own_escalation_column_keeps_its_name(tmp_path):
    """A tracker whose Escalation column holds only the program's labels gets no new column."""
    grids = tracker_grids()
    grids["Milestones"][0] = [*grids["Milestones"][0], "Escalation"]
    for row in grids["Milestones"][1:]:
        row.append(None)
    grids["Milestones"][1][-1] = "Level 1 → gc@example.com"
    path = write_workbook(tmp_path / "t.xlsx", grids)
    run(XlsxBackend(path), OutboxTransport(tmp_path / "outbox"), options())
    rows = read_tab(path, "Milestones")
    assert "Escalation Level" not in rows[0]
    at = rows[0].index("Escalation")
    assert [row[at] for row in rows[1:]][:2] == [None, "Level 1 → cfo@example.com"]


def with_terms(grids: dict) -> dict:
    """``grids`` with an End Date and a Notice Period on C-001, so auto rows are made."""
    grids["Contracts"][0] = [*grids["Contracts"][0], "End Date", "Notice Period (days)"]
    grids["Contracts"][1] += [TODAY + dt.timedelta(days=200), 90]
    for row in grids["Contracts"][2:]:
        row += [None, None]
    return grids


def test_tab_names_with_stray_spaces_and_case_work_for_every_step(tmp_path):
    """Tabs " milestones ", "CONTRACTS" and "LOG": read, written, auto rows appended and
    the Log kept, so a second run sends nothing."""
    grids = with_terms(tracker_grids())
    renamed = {"Contracts": "CONTRACTS", "Milestones": " milestones ", "Log": "LOG"}
    path = write_workbook(tmp_path / "t.xlsx", {renamed.get(k, k): v for k, v in grids.items()})
    first = run(XlsxBackend(path), OutboxTransport(tmp_path / "outbox"), options())
    second = run(XlsxBackend(path), OutboxTransport(tmp_path / "outbox"), options())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["CONTRACTS", " milestones ", "Settings", "LOG", "Dashboard"]
    rows = read_tab(path, " milestones ")
    assert [r[0] for r in rows[1:]][-2:] == ["C-001/notice", "C-001/expiry"]
    assert first.emails > 0 and second.emails == 0
    assert len(read_tab(path, "LOG")) - 1 >= first.emails


def test_two_tabs_with_one_name_stop_the_run_before_anything_is_sent(tmp_path):
    """A "Log" and a "log " tab: the CLI exits 2 with one line and sends nothing."""
    grids = tracker_grids()
    grids["log "] = [["Sent At", "Kind", "Key"]]
    path = write_workbook(tmp_path / "t.xlsx", grids)
    outbox = tmp_path / "outbox"
    command = ["run", str(path), "--today", str(TODAY), "--outbox", str(outbox)]
    done = subprocess.run(
        [sys.executable, "-m", "sheetsync", *command], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        'sheetsync: error: the tracker has 2 Log tabs ("Log", "log "); keep one'
    ]
    assert not outbox.exists() or not list(outbox.iterdir())


# -- the tracker's Locale ------------------------------------------------------------------


def in_locale(locale: str, **milestone: object) -> dict:
    """The default tracker in ``locale``, M-0001's cells replaced (by header)."""
    grids = tracker_grids()
    grids["Settings"].append(["Locale", locale])
    header = grids["Milestones"][0]
    for name, value in milestone.items():
        grids["Milestones"][1][header.index(name.replace("_", " "))] = value
    return grids


def due_of_first(grids: dict) -> dt.date | None:
    """The Due Date M-0001 reads as, or None."""
    frame = prepare(MemoryBackend(grids), options()).tracker.milestones
    due = frame.loc[frame["id"] == "M-0001", "due"].iloc[0]
    return None if pd.isna(due) else due.date()


def test_grouped_amount_reads_as_a_whole_number_where_dots_group_digits():
    """1.234.567 € in de_DE is 1,234,567, with no Problem."""
    grids = tracker_grids()
    grids["Contracts"][0] = [*grids["Contracts"][0], "Value"]
    for row, value in zip(
        grids["Contracts"][1:], ["1.234.567 €", "1.234 €", "€ 45.000,00"], strict=True
    ):
        row.append(value)
    grids["Settings"].append(["Locale", "de_DE"])
    prepared = prepare(MemoryBackend(grids), options())
    assert prepared.tracker.contracts["value"].tolist() == [1_234_567.0, 1_234.0, 45_000.0]
    assert [p.message for p in prepared.tracker.problems] == []


def test_month_names_read_in_the_trackers_locale():
    """31. März 2027 (de_DE), 31 mars 2027 and 1er avril 2027 (fr_FR) are those days."""
    assert due_of_first(in_locale("de_DE", Due_Date="31. März 2027")) == dt.date(2027, 3, 31)
    assert due_of_first(in_locale("fr_FR", Due_Date="31 mars 2027")) == dt.date(2027, 3, 31)
    assert due_of_first(in_locale("fr_FR", Due_Date="1er avril 2027")) == dt.date(2027, 4, 1)
    assert due_of_first(in_locale("de_DE", Due_Date="31 Mar 2027")) == dt.date(2027, 3, 31)


def test_a_local_month_name_outside_its_locale_is_a_problem():
    """31 mars 2027 in a de_DE tracker is not read as some other day: a Problem."""
    grids = in_locale("de_DE", Due_Date="31 mars 2027")
    assert due_of_first(grids) is None
    assert 'Due Date: "31 mars 2027" is not a date we can read' in problems(grids)


def test_an_rrule_until_with_a_time_is_a_valid_repeat():
    """UNTIL=20271231T235959Z, as calendars export it, is a valid Repeat: no Problem."""
    grids = tracker_grids()
    grids["Milestones"][0] = [*grids["Milestones"][0], "Repeat"]
    for row in grids["Milestones"][1:]:
        row.append(None)
    grids["Milestones"][1][-1] = "RRULE:FREQ=MONTHLY;UNTIL=20271231T235959Z"
    assert problems(grids) == []
