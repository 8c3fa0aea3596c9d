"""Perceptual matching at scale: fast PDQ hashing, an exact matcher, video hashing.

- :mod:`netsafe.triage.pdq.fast`: hash image files the fast way, faithful to
  the PDQ reference (``hash_image``, ``dihedral_hashes``).
- :mod:`netsafe.triage.pdq.index`: ``PDQIndex``, every hash within a Hamming
  distance (multi-index hashing, 100% recall by construction), saved to disk.
- :mod:`netsafe.triage.pdq.video`: vPDQ-style video hashing (one frame a
  second) and matching by the share of matching frames.

No Django here: this runs in triage workers.
"""
