"""Which schema each golden example follows; tests walk this table."""

from __future__ import annotations

from marshmallow import Schema

from contracts import identity, notifications, requests

EXAMPLES: dict[str, type[Schema]] = {
    "caller": identity.Caller,
    "submit_report": requests.SubmitReport,
    "submitted_report": requests.SubmittedReport,
    "agent_report": requests.AgentReport,
    "change_report_status": requests.ChangeReportStatus,
    "report_submitted": requests.ReportSubmitted,
    "report_status_changed": requests.ReportStatusChanged,
    "outgoing_message": notifications.OutgoingMessage,
    "message_sent": notifications.MessageSent,
}
