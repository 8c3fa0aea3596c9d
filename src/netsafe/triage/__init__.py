"""Device triage: read seized evidence, hash and type every file, match hash sets, report.

The pipeline, one module per step: :mod:`~netsafe.triage.sources` (the kinds of
evidence of :mod:`~netsafe.triage.source`: folder, disk image, E01, archive) ->
:mod:`~netsafe.triage.hashing` (digests and type) -> :mod:`~netsafe.triage.perceptual`
(PDQ) -> :mod:`~netsafe.triage.hashsets` (the formats of :mod:`~netsafe.triage.hashset`,
compiled) -> :mod:`~netsafe.triage.matching` (look-ups) -> :mod:`~netsafe.triage.report`.
:mod:`~netsafe.triage.work` holds the unit of work that local worker processes or the
workers of a Dask cluster (``--scheduler``) run; :mod:`~netsafe.triage.scan` orchestrates.

This package never imports Django.
"""
