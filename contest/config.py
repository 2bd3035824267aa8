"""Configuration. The only module that reads ``os.environ``."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance: Path) -> str:
    """A development key kept under instance/ so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class ConfigError(RuntimeError):
    pass


def _secret_key(production: bool, instance: Path, overrides: dict) -> str:
    secret = os.environ.get("SECRET_KEY") or overrides.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production.")
        secret = _dev_secret_key(instance)
    return secret


def _cookies(production: bool) -> dict:
    """Session and remember-me cookies (S1). "Ghi nhớ đăng nhập" lasts for the length of a
    contest."""
    contest_length = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "60")))
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "hoithi_session",
        "PERMANENT_SESSION_LIFETIME": contest_length,
        "REMEMBER_COOKIE_DURATION": contest_length,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_NAME": "hoithi_remember",
        # CSRF tokens live as long as the session, so a long round never loses an answer (D4).
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
    }


def _rate_limits(redis_url: str | None) -> dict:
    """Rate limits (S4): counters in Redis when configured, shared by every worker."""
    return {
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "60 per minute"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 5 minutes"),
        "REGISTER_LIMIT_PER_IP": os.environ.get("REGISTER_LIMIT_PER_IP", "30 per hour"),
        "RESET_LIMIT_PER_IP": os.environ.get("RESET_LIMIT_PER_IP", "10 per hour"),
        "RESET_LIMIT_PER_ACCOUNT": os.environ.get("RESET_LIMIT_PER_ACCOUNT", "5 per hour"),
    }


def _mail() -> dict:
    """Outgoing email (password reset links). No MAIL_SERVER: email is not set up, and the
    forgotten-password page says whom to contact instead."""
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "khong-tra-loi@hoithi.example.vn"),
        "MAIL_FROM_NAME": os.environ.get("MAIL_FROM_NAME", "Hội thi trực tuyến"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_STARTTLS": _flag("MAIL_STARTTLS", False),
        "RESET_LINK_MINUTES": int(os.environ.get("RESET_LINK_MINUTES", "30")),
    }


def _contest() -> dict:
    """Languages, the minimum age, the privacy policy version and the organiser's details."""
    return {
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": {"vi": "Tiếng Việt", "en": "English"},
        "BOOTSTRAP_SERVE_LOCAL": True,
        "MIN_AGE": int(os.environ.get("MIN_AGE", "12")),
        # A paper's clock starts at its delivery, at most this long after the start request
        # arrived (docs/quiz.md, The clock).
        "QUIZ_DELIVERY_MAX_SECONDS": int(os.environ.get("QUIZ_DELIVERY_MAX_SECONDS", "30")),
        "PRIVACY_POLICY_VERSION": os.environ.get("PRIVACY_POLICY_VERSION", "2026-01"),
        "SITE_NAME": os.environ.get("SITE_NAME", "Hội thi trực tuyến"),
        "ORGANISER_NAME": os.environ.get(
            "ORGANISER_NAME", "Ban Tổ chức Hội thi tìm hiểu lịch sử Đảng và văn kiện Đại hội"
        ),
        "CONTACT_EMAIL": os.environ.get("CONTACT_EMAIL", "bantochuc@hoithi.example.vn"),
        "CONTACT_PHONE": os.environ.get("CONTACT_PHONE", "0213 3876 543"),
        # The address the public knows the site by (``https://hoithi.example.vn``): share
        # cards and links are built on it; empty: the request's own host (docs/sharing.md).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
    }


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config from the environment, then apply ``overrides`` (tests).

    Raises ConfigError when production runs without a SECRET_KEY.
    """
    overrides = overrides or {}
    env = os.environ.get("APP_ENV", "development")
    production = env == "production"
    instance = Path(os.environ.get("INSTANCE_PATH", INSTANCE))
    redis_url = os.environ.get("REDIS_URL") or None
    cfg = {
        "APP_ENV": env,
        "SECRET_KEY": _secret_key(production, instance, overrides),
        "SQLALCHEMY_DATABASE_URI": (
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'contest.db'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # Uploads: the largest is a 10 MB essay file; forms around it add a little.
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        # Rendered share cards (Open Graph images), keyed by a hash of what they show.
        "SHARE_CARD_DIR": str(instance / "share-cards"),
        **_cookies(production),
        **_rate_limits(redis_url),
        # Behind nginx, set PROXY_FIX=1 so the client's address comes from X-Forwarded-For.
        "PROXY_FIX": _flag("PROXY_FIX", False),
        **_contest(),
        **_mail(),
        "HSTS": production,
    }
    cfg.update(overrides)
    return cfg
