"""``python -m schema_tools``: the ``schema-tools`` command, under the same name."""

from .cli.main import cli

if __name__ == "__main__":
    cli(prog_name="schema-tools")
