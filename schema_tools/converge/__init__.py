"""Converge several sites on a common core: the objects enough sites hold, each with a
definition every holding site can adopt without losing data, and for each site an additive
path to "the site plus the core".

* :mod:`.core` computes the core and its conflicts from the sites' schemas (model only);
* :mod:`.decisions` reads the decisions file that settles conflicts;
* :mod:`.paths` builds each site's target and writes its revisions (needs a server);
* :mod:`.plan_report` renders the plan for people (Markdown or HTML).
"""

from .core import Conflict, Core, build_core, site_target
from .decisions import Decision, DecisionError, read_decisions

__all__ = ["Conflict", "Core", "Decision", "DecisionError", "build_core", "read_decisions",
           "site_target"]
