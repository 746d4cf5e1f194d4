"""Which schema each golden example follows, and each event type; tests walk these tables."""

from __future__ import annotations

from marshmallow import Schema

from contracts import (
    accounts,
    billing,
    demarche_requests,
    family,
    family_activities,
    family_dossier,
    family_preregistration,
    identity,
    notifications,
    requests,
    timeline,
)
from contracts.base import Event

EXAMPLES: dict[str, type[Schema]] = {
    "caller": identity.Caller,
    "submit_report": requests.SubmitReport,
    "submitted_report": requests.SubmittedReport,
    "agent_report": requests.AgentReport,
    "change_report_status": requests.ChangeReportStatus,
    "report_submitted": requests.ReportSubmitted,
    "report_status_changed": requests.ReportStatusChanged,
    "submit_demarche": demarche_requests.SubmitDemarche,
    "demarche_submitted": demarche_requests.DemarcheSubmitted,
    "demarche_status_changed": demarche_requests.DemarcheStatusChanged,
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
    "activate_family": family.ActivateFamily,
    "linked_family": family.LinkedFamily,
    "family": family.Family,
    "family_space_activated": family.FamilySpaceActivated,
    "invoice": billing.Invoice,
    "ledger": billing.Ledger,
    "payment_start": billing.PaymentStart,
    "payment_attempt": billing.PaymentAttempt,
    "provider_notification": billing.ProviderNotification,
    "counter_payment": billing.CounterPayment,
    "cancel_invoice": billing.CancelInvoice,
    "review_item": billing.ReviewItem,
    "invoice_issued": billing.InvoiceIssued,
    "payment_succeeded": billing.PaymentSucceeded,
    "payment_failed": billing.PaymentFailed,
    "invoice_paid": billing.InvoicePaid,
    "payment_under_review": billing.PaymentUnderReview,
    "invoice_overdue": billing.InvoiceOverdue,
    "dossier": family_dossier.Dossier,
    "update_dossier": family_dossier.UpdateDossier,
    "update_outcome": family_dossier.UpdateOutcome,
    "dossier_change": family_dossier.DossierChangeView,
    "decide_change": family_dossier.DecideChange,
    "family_summary": family_dossier.FamilySummary,
    "create_family": family_dossier.CreateFamily,
    "dossier_changed": family_dossier.DossierChanged,
    "dossier_change_decided": family_dossier.DossierChangeDecided,
    "quotient_changed": family_dossier.QuotientChanged,
    "creche_request": family_preregistration.CrecheRequest,
    "school_request": family_preregistration.SchoolRequest,
    "school_options": family_preregistration.SchoolOptions,
    "change_preregistration_status": family_preregistration.ChangeStatus,
    "preregistration": family_preregistration.Preregistration,
    "preregistration_submitted": family_preregistration.PreregistrationSubmitted,
    "preregistration_status_changed": family_preregistration.PreregistrationStatusChanged,
    "attendance_changed": family_activities.AttendanceChanged,
    "enrol_child": family_activities.EnrolChild,
    "change_attendance": family_activities.ChangeAttendance,
}

EVENTS: dict[str, type[Event]] = {
    requests.REPORT_SUBMITTED: requests.ReportSubmitted,
    requests.REPORT_STATUS_CHANGED: requests.ReportStatusChanged,
    demarche_requests.DEMARCHE_SUBMITTED: demarche_requests.DemarcheSubmitted,
    demarche_requests.DEMARCHE_STATUS_CHANGED: demarche_requests.DemarcheStatusChanged,
    accounts.ACCOUNT_REGISTERED: accounts.AccountRegistered,
    accounts.DUPLICATE_REGISTRATION_ATTEMPTED: accounts.DuplicateRegistrationAttempted,
    accounts.PASSWORD_RESET_REQUESTED: accounts.PasswordResetRequested,
    accounts.PASSWORD_CHANGED: accounts.PasswordChanged,
    accounts.EMAIL_CHANGE_REQUESTED: accounts.EmailChangeRequested,
    accounts.ACCOUNT_EMAIL_CHANGED: accounts.AccountEmailChanged,
    accounts.NOTIFICATION_PREFERENCES_CHANGED: accounts.NotificationPreferencesChanged,
    accounts.ACCOUNT_CLOSED: accounts.AccountClosed,
    family.FAMILY_SPACE_ACTIVATED: family.FamilySpaceActivated,
    billing.INVOICE_ISSUED: billing.InvoiceIssued,
    billing.PAYMENT_SUCCEEDED: billing.PaymentSucceeded,
    billing.PAYMENT_FAILED: billing.PaymentFailed,
    billing.INVOICE_PAID: billing.InvoicePaid,
    billing.PAYMENT_UNDER_REVIEW: billing.PaymentUnderReview,
    billing.INVOICE_OVERDUE: billing.InvoiceOverdue,
    family_dossier.DOSSIER_CHANGED: family_dossier.DossierChanged,
    family_dossier.DOSSIER_CHANGE_DECIDED: family_dossier.DossierChangeDecided,
    family_dossier.QUOTIENT_CHANGED: family_dossier.QuotientChanged,
    family_preregistration.PREREGISTRATION_SUBMITTED: family_preregistration.PreregistrationSubmitted,
    family_preregistration.PREREGISTRATION_STATUS_CHANGED: (
        family_preregistration.PreregistrationStatusChanged
    ),
    family_activities.ATTENDANCE_CHANGED: family_activities.AttendanceChanged,
}
"""Every event type published by a service, with its schema."""


def redacted_once_published(event_type: str) -> tuple[str, ...]:
    """The fields the producer's stored copy of ``event_type`` loses once published."""
    schema = EVENTS.get(event_type)
    return schema.redacted_once_published if schema is not None else ()
