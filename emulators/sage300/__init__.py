"""Sage 300 Web API v1.0 emulator: AR customers, ship-to locations, customer groups, tax groups.

Start it with `python -m emulators.sage300 --port 8702 --company SAMINC`; build it in-process
with `emulators.sage300.app.create_app()`. Behaviour follows
/work/shared/reference/sage300-api-notes.md; choices where the notes are uncertain are
documented where they are made.
"""
