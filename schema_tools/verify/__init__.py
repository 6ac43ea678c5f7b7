"""Apply changes on a real server, re-introspect, and require an empty diff."""
