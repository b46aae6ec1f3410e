"""The patterns codes and names follow, as text: the record models build their field
types from them, and the views check a parameter with them without loading pydantic."""

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$"  # an organisation's code, e.g. 06H
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"  # a name in lower case, e.g. september-2013
