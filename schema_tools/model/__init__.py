"""The canonical schema model and its snapshot file format."""

from .objects import (  # noqa: F401 - the package's public names
    Check, Column, DataType, Event, ForeignKey, Index, IndexColumn, Parameter, Routine,
    Schema, Table, TableData, Trigger, View, quote_string, Row,
)
from .snapshot import Snapshot, fingerprint  # noqa: F401 - the package's public names
