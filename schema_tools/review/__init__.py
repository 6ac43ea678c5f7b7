"""Review of schema changes: lint rules over typed changes and schema states, approvals
bound to a revision's content, and the integrity file of a revision directory.

Public API:

* :func:`review_directory`, :func:`review_change`, :func:`review_states`: findings;
* :func:`approve`, :func:`is_approved`: the approvals ledger (``approvals.json``);
* :func:`write_sum`, :func:`verify_sum`: the integrity file (``revisions.sum``);
* :func:`check_revisions`: the CI gate, a list of :class:`Problem`.
"""

from __future__ import annotations

from .check import Problem, check_revisions
from .commands import approve, review_change, review_directory
from .engine import Review, review_states
from .integrity import verify_sum, write_sum
from .ledger import content_hash, is_approved
from .registry import Finding, load_rules, rule

__all__ = ["Finding", "Problem", "Review", "approve", "check_revisions", "content_hash",
           "is_approved", "load_rules", "review_change", "review_directory", "review_states",
           "rule", "verify_sum", "write_sum"]
