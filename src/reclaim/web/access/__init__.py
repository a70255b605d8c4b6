"""Access: counting tries at secrets (attempts) and calls per client (limits), in the database.

Both hold across threads and processes, because every count is taken in the database before
the work it limits is done. The locker, protection and staff sign-in pages use them.
"""
