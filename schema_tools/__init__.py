"""schema-tools: one canonical model of a MariaDB/MySQL schema, and the tools around it."""

__version__ = "0.1.0"
