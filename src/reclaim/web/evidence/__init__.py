"""The evidence locker in the web app: unlock, incidents, evidence, captures and packs."""
