"""Operation returns: each force's records in and out as JSON Lines (contracts/returns.md).

- :func:`netsafe.returns.validation.validate` checks a whole file and lists every
  problem as ``LINE: message``;
- :func:`netsafe.returns.importer.import_return` stores a valid file in one
  transaction (create or replace, keyed by force + ref);
- :func:`netsafe.returns.exporter.export_force` writes a force's records back out.
"""
