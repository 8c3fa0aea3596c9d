"""Examination: triage of seized devices inside casework, and grading of their images.

An examiner queues a device's evidence for triage (:mod:`.jobs`); a worker runs
the :mod:`netsafe.triage` engine in the background and attaches its report to
the exhibit; the examiner then grades each matched and unknown image
(:mod:`.grading`). :mod:`.figures` gives the counts by device for the
statistics dashboard.
"""
