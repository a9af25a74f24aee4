"""The fixed vocabularies of custtrack (kept import-free so the CLI can use them for --help)."""

CHANNELS = ("phone", "wechat", "email", "visit", "meeting", "sms", "video", "social", "other")
GENDERS = ("female", "male", "other", "unknown")
PRICE_SENSITIVITY = ("low", "medium", "high")
CUSTOMER_STATUS = ("active", "archived")
COMPLAINT_CATEGORIES = ("price", "quality", "service", "delivery", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
COMPLAINT_STATUS = ("open", "resolved")
FOLLOWUP_STATUS = ("open", "done", "cancelled")
FOLLOWUP_ORIGINS = ("manual", "cadence", "birthday", "post-purchase", "complaint", "at-risk")
LOST_REASONS = ("price", "competitor", "service", "quality", "other")
CADENCE_SCOPES = ("tag", "customer", "segment")
FORMATS = ("table", "json", "csv")
