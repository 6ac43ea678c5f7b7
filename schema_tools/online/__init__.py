"""Large tables: the ALTER algorithm and lock each statement needs (predicted from the rule
tables of :mod:`schema_tools.review.algorithms`, confirmed on a server by :mod:`.probe`),
its cost on the live tables (:mod:`.cost`), and ``upgrade --online``, which sends the
statements that would block writes on large tables through Percona Toolkit's
``pt-online-schema-change`` (:mod:`.ptosc`) and plain ALTERs for the rest (:mod:`.plan`).
pt-osc runs bound to the upgrade (:mod:`.child`: it never outlives it), and what an
interrupted run of it leaves is recognised and finished (:mod:`.resume`)."""

from .probe import ProbeError, Probed, Prober, probe_algorithm
from .ptosc import OnlineChangeFailed, OnlineInterrupted, OnlineOptions

__all__ = ["OnlineChangeFailed", "OnlineInterrupted", "OnlineOptions", "ProbeError", "Probed", "Prober",
           "probe_algorithm"]
