"""Writes for meetings, one module per stage: planning occurrences from the regime and
changing single ones (`planning`), preparing the agenda (`agenda`), running the meeting
(`live`), and marking the searchable text changed (`text`)."""
