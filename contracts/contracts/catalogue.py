"""Which schema each golden example follows; tests walk this table."""

from __future__ import annotations

from marshmallow import Schema

from contracts import accounts, identity, notifications, requests, timeline

EXAMPLES: dict[str, type[Schema]] = {
    "caller": identity.Caller,
    "submit_report": requests.SubmitReport,
    "submitted_report": requests.SubmittedReport,
    "agent_report": requests.AgentReport,
    "change_report_status": requests.ChangeReportStatus,
    "report_submitted": requests.ReportSubmitted,
    "report_status_changed": requests.ReportStatusChanged,
    "outgoing_message": notifications.OutgoingMessage,
    "timeline_entry": timeline.TimelineEntry,
    "register": accounts.Register,
    "account": accounts.Account,
    "session_opened": accounts.SessionOpened,
    "franceconnect_login": accounts.FranceConnectLogin,
    "account_registered": accounts.AccountRegistered,
    "duplicate_registration_attempted": accounts.DuplicateRegistrationAttempted,
    "password_reset_requested": accounts.PasswordResetRequested,
    "password_changed": accounts.PasswordChanged,
    "email_change_requested": accounts.EmailChangeRequested,
    "account_email_changed": accounts.AccountEmailChanged,
    "notification_preferences_changed": accounts.NotificationPreferencesChanged,
    "account_closed": accounts.AccountClosed,
}
