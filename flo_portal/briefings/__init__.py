"""Awareness briefings: scheduling, invitations and RSVP, attendance, calendar files."""
