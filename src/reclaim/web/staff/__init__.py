"""Staff: a helpline's or platform's people, signed in with a password and a second factor.

``access.staff_required`` is the one check every staff page uses (the admin site included):
an active staff account whose session was verified with a confirmed TOTP device (django-otp).
``manage.py staff otp-setup USER`` enrols the device.
"""
