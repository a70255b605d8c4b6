"""What the whole database holds, to show that no plaintext of case content is in it."""

from django.db import connection


def whole_database() -> bytes:
    """Every value of every table, as bytes (text encoded as UTF-8), to look for plaintext in."""
    found = bytearray()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)  # names the database itself listed
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        found += bytes(value)
                    elif value is not None:
                        found += str(value).encode()
                    found += b"\0"
    return bytes(found)
