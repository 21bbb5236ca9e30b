"""The archive browser: a read-only Starlette application over the archive (`warta serve`)."""
