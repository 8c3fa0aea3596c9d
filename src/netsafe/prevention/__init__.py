"""Prevention: the charity's confidential helpline log and self-help site.

Kept apart from police data: its own database (see ``netsafe.web.routers``),
its own roles, no identifiers of callers, and only disclosure-controlled
counts leave it (``netsafe.prevention.aggregates``).
"""
