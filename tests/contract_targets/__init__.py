"""Fixture servers for the contract suite: one correct server and a tamper layer that breaks one rule.

Every contract check is proven twice against these: it passes on :func:`reference.build_reference_server`
and fails on the same server wrapped by :class:`breakages.Tamper` with the rule that check enforces.
"""
