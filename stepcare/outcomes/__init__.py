"""Routine outcome monitoring: questionnaire responses at every contact, progress charts,
live course status and the clinician's caseload. Every score comes from `stepcare.measures`."""
