"""Compatibility interfaces: the APIs other vocabulary servers' clients already speak (Skosmos REST v1)."""
