"""The lint rules, one per module; each registers itself with
:func:`schema_tools.review.registry.rule`.  Codes: DS destructive, DD data-dependent,
BD broken dependents, LK locking, PT portability, HY hygiene."""
