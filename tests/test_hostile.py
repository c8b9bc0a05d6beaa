"""Hostile and malformed cells through the pure steps: none raises, each bad cell becomes its
own Problem in words, good ones read as they should (issue 7, part 5; corpus and helpers in
hostile_corpus.py). The whole run: test_hostile_run.py; generated cells:
test_hostile_properties.py.
"""

from __future__ import annotations

import pytest

from hostile_corpus import (
    CONTRACT_HEADER,
    CORPUS,
    MILESTONE_HEADER,
    Checked,
    Outcome,
    cell_value,
    corpus_outcomes,
    problems_at,
    raising_corpus,
)


@pytest.fixture(scope="module")
def corpus_tracker() -> tuple[list[Outcome], list[Checked]]:
    """The corpus (less any entry that raised) through the pure steps, a tracker per Locale."""
    raising = raising_corpus()
    return corpus_outcomes([e for e in CORPUS if e not in raising])


def test_corpus_covers_every_kind_of_hostile_cell():
    """At least 200 cells: dates, addresses, formulas, HTML, CR/LF, long, emoji, RTL, blanks."""
    texts = [str(cell_value(e["value"])) for e in CORPUS]
    assert len(CORPUS) >= 200
    for needle in ("=IMPORTXML(", "+cmd|", "@SUM(", "<script>", "\r\nBcc:", "\u202e", "\u200b"):
        assert any(needle in t for t in texts), needle
    assert any(len(t) >= 50_000 for t in texts)
    assert any(isinstance(cell_value(e["value"]), bool) for e in CORPUS if "Date" in e["column"])
    assert {e["tab"] for e in CORPUS} == {"Milestones", "Contracts", "Settings"}


def test_corpus_covers_addresses_encoded_words_formulas_controls_and_locales():
    """At least 100 cells of issue 10's kinds, each with its exact Problem or accepted value:
    international and full-width addresses, encoded words, formulas, control characters in
    every column, local numbers and month names."""
    stated = [e for e in CORPUS if "message" in e or "accepted" in e]
    assert len(stated) >= 100
    texts = [str(e["value"]) for e in stated]
    for needle in ("xn--", "ü", "＠", "=?utf-8?q?", "=?UTF-8?B?", "\x00", "\u2028", "\u202e"):
        assert any(needle in t for t in texts), needle
    assert any(isinstance(e["value"], dict) and "formula" in e["value"] for e in stated)
    assert len({e.get("locale", "en_US") for e in stated}) >= 4
    controlled = {(e["tab"], e["column"]) for e in CORPUS if "\x00" in str(e["value"])}
    every = {("Milestones", c) for c in MILESTONE_HEADER if c != "Repeat"}
    every |= {("Contracts", c) for c in CONTRACT_HEADER}
    assert every - controlled == set()


def test_no_corpus_cell_makes_the_pure_steps_raise():
    """No corpus cell makes normalize, derive, evaluate or plan raise."""
    assert [(e["tab"], e["column"], e["value"]) for e in raising_corpus()] == []


def test_every_bad_corpus_cell_gets_a_problem_on_its_row_and_column(corpus_tracker):
    """Each cell marked bad gets a Problem on its own sheet row, in its own column."""
    outcomes, _ = corpus_tracker
    unflagged = [
        (o.tab, o.entry["column"], o.entry["what"])
        for o in outcomes
        if o.entry["problem"] is True and not any(p.column == o.entry["column"] for p in o.problems)
    ]
    assert unflagged == []


def test_corpus_cells_give_their_exact_problem_sentence(corpus_tracker):
    """Each cell with a stated Problem gets exactly that sentence on its row, in its column."""
    outcomes, _ = corpus_tracker
    wrong = [
        (o.entry["what"], o.entry["message"], [p.message for p in o.problems])
        for o in outcomes
        if "message" in o.entry
        and o.entry["message"]
        not in [p.message for p in o.problems if p.column == o.entry["column"]]
    ]
    assert wrong == []


def test_corpus_cells_read_as_their_accepted_value(corpus_tracker):
    """Each cell with a stated accepted value reads as exactly that (date, addresses, amount,
    title, ID, type)."""
    outcomes, _ = corpus_tracker
    wrong = [
        (o.entry["what"], o.entry["accepted"], o.read)
        for o in outcomes
        if "accepted" in o.entry and o.read != o.entry["accepted"]
    ]
    assert wrong == []


def test_plain_text_corpus_cells_are_kept_without_a_problem(corpus_tracker):
    """Formulas, HTML, CR/LF, emoji and RTL in free text are no Problem: just text."""
    outcomes, _ = corpus_tracker
    flagged = [
        (o.entry["column"], o.entry["what"], [p.message[:60] for p in o.problems])
        for o in outcomes
        if o.entry["problem"] is False and o.problems
    ]
    assert flagged == []


def test_titles_are_kept_verbatim(corpus_tracker):
    """A hostile Milestone title comes out of normalize exactly as typed."""
    outcomes, _ = corpus_tracker
    for o in outcomes:
        if (o.tab, o.entry["column"], o.entry["problem"]) == ("Milestones", "Milestone", False):
            assert o.read == str(cell_value(o.entry["value"])), o.entry["what"]


def test_blocked_corpus_rows_all_say_why(corpus_tracker):
    """Every typed milestone the run cannot schedule carries at least one Problem."""
    _, trackers = corpus_tracker
    silent = [
        int(row)
        for tracker in trackers
        for row in tracker.milestones.loc[
            tracker.milestones["blocked"] & tracker.milestones["source"].eq("manual"), "row"
        ]
        if not problems_at(tracker, "Milestones", int(row))
    ]
    assert silent == []
