"""Pieces both emulators share: fault injection and running an app on a port."""
