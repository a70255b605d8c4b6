"""Access: who may open which locker, and how often anyone may try.

- ``session``: keeping a locker open between pages (the key split between the database and a
  cookie), and the folder of each locker;
- ``lockers``: creating, unlocking and recovering lockers, with the same answer for a wrong
  name as for a wrong passphrase;
- ``decorators``: ``needs_open_locker``, for every page that shows evidence;
- ``drafts`` and ``recovery``: what waits, sealed to the locker, across a lock or a set-up;
- ``changes``: what runs before each change (a POST, unlocking): feature apps register there
  to keep in the locker what arrived in the background, so that showing a page never writes;
- ``attempts`` and ``limits``: tries at secrets and calls per client, counted in the database
  before the work they limit, so they hold across threads and processes.

Access depends only on the core, Django and reclaim.web.sealing; the feature apps (evidence,
removals, protection, staff) depend on it, never the other way (tests/web/test_app_layers.py).
"""
