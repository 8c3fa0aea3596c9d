"""NetSafe: casework, device triage, prevention and statistics for a multi-force operation."""

__version__ = "0.1.0"
