"""What schema-tools knows of the MariaDB/MySQL SQL dialect, in one place: its types (names,
families, limits, literal formatting), identifier quoting, tokens and DDL generation.
Every other package imports these facts from here and restates none of them."""
