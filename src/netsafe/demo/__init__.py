"""The demo: a synthetic Operation NetSafe, its users and the charity's demo log.

``netsafe demo`` (:mod:`.cli`) migrates and calls :func:`.loading.load`, which
loads the demo users (:mod:`.users`), the operation's casework
(:mod:`.operation`) and the prevention service's demo; :mod:`.evidence` adds a
device image and a hash set for trying triage. The package itself holds no code,
so the ``netsafe`` command imports it before Django is set up.
"""
