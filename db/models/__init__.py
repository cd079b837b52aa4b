"""All Gongkai tables. Importing this package registers every model on ``Base.metadata``."""
from db.models.audit import AuditEvent
from db.models.base import Base
from db.models.items import (STATES, Attachment, AttachmentScan, CatalogCategory, CatalogEntry,
                             Decision, Item, ItemContributor, Revision, ScanFinding)
from db.models.reports import PublishedReport, ReportNarrative  # noqa: F401  (the report feature)
from db.models.applications import Application, ApplicationDocument  # noqa: F401  (requests for disclosure)
from db.models.reminders import CalendarOverride, ImToken, Notification, OutboxMail, Reminder  # noqa: F401
from db.models.referrals import CaseReminder, Incident, Referral  # noqa: F401  (referrals, leak incidents)
from db.models.liveness import SchedulerHeartbeat  # noqa: F401  (scheduler liveness)
from db.models.auth import LoginThrottle, UserSession  # noqa: F401  (throttling, sessions)
from db.models.assessments import PersonalInfoAssessment  # noqa: F401  (PIPL impact assessments)
from db.models.routes import (ItemRouteSnapshot, ItemRouteStep, ItemRouteStepUser, ReviewRoute,  # noqa: F401
                              ReviewRouteCategory,
                              ReviewRouteDepartment, ReviewRouteStep, ReviewRouteStepUser, StepVote)
from db.models.nudges import Nudge  # noqa: F401  (催办)
from db.models.delegations import Delegation  # noqa: F401  (委托)
from db.models.phrases import UserPhrases  # noqa: F401  (常用意见, per user)
from db.models.search import AttachmentText, ItemSearch  # noqa: F401  (full-text search, issue 14)
from db.models.org import NOTIFY_PREFS, ROLES, ApiToken, Department, User, UserRole, user_departments

__all__ = [
    "Base", "AuditEvent", "Attachment", "AttachmentScan", "CatalogCategory", "CatalogEntry", "Decision", "Item",
    "ItemContributor", "Revision", "ScanFinding", "ApiToken", "Department", "User", "UserRole", "user_departments",
    "STATES", "ROLES", "NOTIFY_PREFS",
]
