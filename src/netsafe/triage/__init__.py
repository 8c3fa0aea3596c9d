"""Device triage: read seized evidence, hash and type every file, match hash sets, report.

The pipeline, one module per step: :mod:`~netsafe.triage.sources` (folder, disk
image, E01, archive) -> :mod:`~netsafe.triage.hashing` (digests and type) ->
:mod:`~netsafe.triage.perceptual` (PDQ) -> :mod:`~netsafe.triage.hashsets`
(formats, compiled) -> :mod:`~netsafe.triage.matching` (look-ups) -> :mod:`~netsafe.triage.report`.
:mod:`~netsafe.triage.work` holds the unit of work that local worker processes
(and later Dask workers) run; :mod:`~netsafe.triage.scan` orchestrates.

This package never imports Django.
"""
