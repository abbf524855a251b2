"""The messages Lihui sends, by kind: one word for one thing (glossary: 通知)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INVITATION = "invitation"
AGENDA = "agenda_published"
REMINDER = "meeting_reminder"
MINUTES = "minutes_published"
ACTION_ASSIGNED = "action_assigned"
ACTION_DUE_SOON = "action_due_soon"
ACTION_OVERDUE = "action_overdue"
ACTION_ESCALATED = "action_escalated"
SURVEY = "survey_request"
DIGEST = "weekly_digest"

LABELS = {
    INVITATION: _("Calendar invitations"),
    AGENDA: _("Agenda published"),
    REMINDER: _("Reminder before the meeting"),
    MINUTES: _("Minutes published"),
    ACTION_ASSIGNED: _("Action assigned to me"),
    ACTION_DUE_SOON: _("My action is due soon"),
    ACTION_OVERDUE: _("My action is overdue"),
    ACTION_ESCALATED: _("Overdue actions escalated to me (chairs)"),
    SURVEY: _("Survey after the meeting"),
    DIGEST: _("Weekly digest (chairs)"),
}

# What a person can turn off, in the order the preferences page lists them.
PERSONAL = list(LABELS)

# What a series' group robots may post (robots reach a group, not a person).
ROBOT = [AGENDA, REMINDER, MINUTES, ACTION_OVERDUE]
ROBOT_DEFAULT = [AGENDA, MINUTES]
ROBOT_LABELS = {
    AGENDA: _("Agenda published"),
    REMINDER: _("Reminder before the meeting"),
    MINUTES: _("Minutes published"),
    ACTION_OVERDUE: _("Overdue actions, daily"),
}

# Transports that reach one person (robots reach groups and are set per series).
PERSONAL_TRANSPORTS = ["email"]
