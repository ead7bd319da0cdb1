"""Host-side hardware tooling: chip facts, board-definition checks, drawings and tables.

Nothing here runs on the board; the firmware reads boards/<name>.json itself.
"""
