"""Readers of single cells: dates, money, numbers, yes/no, addresses, repeat rules, types.

Each reads one raw cell (text, number, bool or None) into a typed value, or says in
words why it cannot; none of them does I/O or reads the clock.
"""
