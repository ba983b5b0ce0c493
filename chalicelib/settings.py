"""The only reader of os.environ. Values are read on first use, never at import time,
so tests and the dev server can set the environment before anything asks."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_name: str
    bucket_name: str
    jwt_secret: str
    jwt_issuer: str
    jwt_ttl_seconds: int
    admin_email: str
    admin_password: str
    demo_data: bool
    ticket_number_prefix: str
    max_body_bytes: int
    max_attachment_bytes: int
    max_attachments: int
    system_fqdn: str
    password_cost: int  # log2 of scrypt's N; lowered only by the test suite
    notification_ttl_days: int  # online notifications expire (DynamoDB TTL) this long after creation
    seen_notification_days: int  # seen notifications are removed this long after they were seen
    escalation_warning_minutes: int  # how long before a deadline the escalation warning goes out
    mailer: str  # "outbox" (a directory of readable mails, local) or "ses"
    mail_from: str
    outbox_dir: str
    cleanup_batch: int  # at most this many expired items removed per cleanup run
    upload_ttl_hours: int  # a form's upload cache (OTRS FormID) is kept this long after its last upload
    upload_max_files: int  # files per form
    reset_token_minutes: int  # a password reset token is valid this long (single use)
    password_min_length: int
    otrs_dev_server: bool  # X-OTRS-API-FakeCustomerLogin is honoured only on a development server
    otrs_custom_error_status: int  # OTRS's custom 900; API Gateway passes only real statuses (422 there)
    # >>> tickets-api
    tickets_api_rate: int = 120  # requests per minute per X-Token on /api/tickets/v1; 0 turns the limit off
    public_rate: int = 300  # requests per minute per client address on /api/public and /api/frontend/external
    account_mail_rate: int = 10  # recovery/registration mails per hour per client address and per address named
    # <<< tickets-api
    # >>> otrs-frontend
    customer_registration: bool = True  # the external interface offers self-registration (its config says so)
    customer_password_recovery: bool = True  # ... and "forgot password"
    # <<< otrs-frontend
    # >>> chat
    chat_max_message_chars: int = 4000  # longer chat messages are refused (ChatMessageTooBig)
    chat_closed_ttl_days: int = 90  # a closed chat and its messages are removed this long after closing (0: kept)
    chat_video_enabled: bool = True  # WebRTC video signalling between chat participants
    chat_default_agent_name: str = ""  # shown to customers instead of agents' names when set
    chat_no_answer_minutes: int = 5  # the external frontend offers a ticket when no agent answered this long
    chat_ice_servers: str = ""  # comma-separated stun:/turn: URLs for WebRTC (no credentials)
    chat_turn_url: str = ""  # a TURN server (turn:host:port) sharing chat_turn_secret (TURN REST API credentials)
    chat_turn_secret: str = ""
    # <<< chat
    # >>> request-log
    log_format: str = "text"  # "json": one JSON object per log line (Lambda, CloudWatch); "text": readable lines
    # <<< request-log
    # >>> infra
    jwt_secret_arn: str = ""  # deployed stages: the signing key lives in this Secrets Manager secret
    # <<< infra

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _local_secret(path: Path) -> str:
    """A signing key generated once per checkout so local tokens survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    return value


@lru_cache(maxsize=1)
def get() -> Settings:
    stage = _env("HELPDESK_STAGE", "local")
    secret = os.environ.get("HELPDESK_JWT_SECRET")
    secret_arn = _env("HELPDESK_JWT_SECRET_ARN", "")  # infra: deployed stages read the key from Secrets Manager
    if secret_arn and not secret:
        secret = ""  # fetched on first use by storage/signing_keys.py, never here
    elif not secret:
        if stage not in ("local", "test"):
            raise RuntimeError("HELPDESK_JWT_SECRET or HELPDESK_JWT_SECRET_ARN must be set outside local runs")
        secret = _local_secret(Path(_env("HELPDESK_DATA_DIR", ".local")) / "jwt-secret")
    return Settings(
        stage=stage,
        region=_env("AWS_DEFAULT_REGION", _env("AWS_REGION", "us-east-1")),
        table_name=_env("HELPDESK_TABLE", "helpdesk"),
        bucket_name=_env("HELPDESK_BUCKET", "helpdesk-attachments"),
        jwt_secret=secret,
        jwt_issuer=_env("HELPDESK_JWT_ISSUER", "helpdesk"),
        jwt_ttl_seconds=int(_env("HELPDESK_JWT_TTL", "3600")),
        admin_email=_env("HELPDESK_ADMIN_EMAIL", "admin@example.com"),
        admin_password=_env("HELPDESK_ADMIN_PASSWORD", "admin-password"),
        demo_data=_env("HELPDESK_DEMO", "1") != "0",
        ticket_number_prefix=_env("HELPDESK_TICKET_NUMBER_PREFIX", "45"),
        max_body_bytes=int(_env("HELPDESK_MAX_BODY_BYTES", str(6 * 1024 * 1024))),
        max_attachment_bytes=int(_env("HELPDESK_MAX_ATTACHMENT_BYTES", str(4 * 1024 * 1024))),
        max_attachments=int(_env("HELPDESK_MAX_ATTACHMENTS", "20")),
        system_fqdn=_env("HELPDESK_FQDN", "helpdesk.local"),
        password_cost=max(10, min(20, int(_env("HELPDESK_PASSWORD_COST", "14")))),
        notification_ttl_days=max(1, int(_env("HELPDESK_NOTIFICATION_TTL_DAYS", "30"))),
        seen_notification_days=max(0, int(_env("HELPDESK_SEEN_NOTIFICATION_DAYS", "7"))),
        escalation_warning_minutes=max(0, int(_env("HELPDESK_ESCALATION_WARNING_MINUTES", "15"))),
        mailer=_env("HELPDESK_MAILER", "outbox" if stage in ("local", "test") else "ses"),
        mail_from=_env("HELPDESK_MAIL_FROM", "helpdesk@helpdesk.local"),
        outbox_dir=_env("HELPDESK_OUTBOX_DIR", str(Path(_env("HELPDESK_DATA_DIR", ".local")) / "outbox")),
        cleanup_batch=max(25, int(_env("HELPDESK_CLEANUP_BATCH", "5000"))),
        upload_ttl_hours=max(1, int(_env("HELPDESK_UPLOAD_TTL_HOURS", "24"))),
        upload_max_files=max(1, int(_env("HELPDESK_UPLOAD_MAX_FILES", "20"))),
        reset_token_minutes=max(5, int(_env("HELPDESK_RESET_TOKEN_MINUTES", "60"))),
        password_min_length=max(1, int(_env("HELPDESK_PASSWORD_MIN_LENGTH", "8"))),
        otrs_dev_server=_env("HELPDESK_OTRS_DEV_SERVER", "0") == "1",
        otrs_custom_error_status=int(_env("HELPDESK_OTRS_CUSTOM_ERROR_STATUS",
                                          "900" if stage in ("local", "test") else "422")),
        # >>> tickets-api
        tickets_api_rate=max(0, int(_env("HELPDESK_TICKETS_API_RATE", "120"))),
        public_rate=max(0, int(_env("HELPDESK_PUBLIC_RATE", "300"))),
        account_mail_rate=max(0, int(_env("HELPDESK_ACCOUNT_MAIL_RATE", "10"))),
        # <<< tickets-api
        # >>> otrs-frontend
        customer_registration=_env("HELPDESK_CUSTOMER_REGISTRATION", "1") == "1",
        customer_password_recovery=_env("HELPDESK_CUSTOMER_PASSWORD_RECOVERY", "1") == "1",
        # <<< otrs-frontend
        # >>> chat
        chat_max_message_chars=max(1, int(_env("HELPDESK_CHAT_MAX_MESSAGE_CHARS", "4000"))),
        chat_closed_ttl_days=max(0, int(_env("HELPDESK_CHAT_CLOSED_TTL_DAYS", "90"))),
        chat_video_enabled=_env("HELPDESK_CHAT_VIDEO", "1") == "1",
        chat_default_agent_name=_env("HELPDESK_CHAT_DEFAULT_AGENT_NAME", ""),
        chat_no_answer_minutes=max(1, int(_env("HELPDESK_CHAT_NO_ANSWER_MINUTES", "5"))),
        chat_ice_servers=_env("HELPDESK_CHAT_ICE_SERVERS", ""),
        chat_turn_url=_env("HELPDESK_CHAT_TURN_URL", ""),
        chat_turn_secret=_env("HELPDESK_CHAT_TURN_SECRET", ""),
        # <<< chat
        # >>> request-log
        log_format=("json" if _env("HELPDESK_LOG_FORMAT", "text" if stage in ("local", "test") else "json").lower()
                    == "json" else "text"),
        # <<< request-log
        # >>> infra
        jwt_secret_arn=secret_arn,
        # <<< infra
    )


def reset() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get.cache_clear()
