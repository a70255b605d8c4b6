"""Sharing: a survivor asks a helpline for help from their locker, and stays in control.

The pages choose what to share (reclaim.referrals makes it, sealed to the helpline's key), send
it over HTTPS or give it as a file, list what was shared, read who opened it, and withdraw
consent. The database keeps only withdrawals still waiting for the helpline to answer, sealed
(models.py); everything else is in the person's locker. docs/referrals.md tells the story.
"""
