from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from hotline.caching import Cache
from hotline.domain.lifecycle import Role


class Unit(models.Model):
    """The hotline center or a handling unit (承办单位); streets sit under their district."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=[(r.value, r.value) for r in Role])
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT)

    @property
    def hotline_role(self) -> Role | None:
        """The user's role; a superuser made with createsuperuser counts as admin."""
        if self.role in Role.__members__.values():
            return Role(self.role)
        return Role.ADMIN if self.is_superuser else None

    @property
    def unit_code(self) -> str:
        return self.unit.code if self.unit_id and self.unit else ""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_expiry() -> datetime:
    """When a token issued now expires: HOTLINE_TOKEN_DAYS on (real time, not the demo clock)."""
    return timezone.now() + timedelta(days=float(settings.HOTLINE_TOKEN_DAYS))


class ApiToken(models.Model):
    """Bearer token for the API; only its SHA-256 is stored. It works until it expires, is
    revoked, or its user is deactivated or locked out (登录锁定)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=token_expiry)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} {self.name}"

    @classmethod
    def issue(cls, *, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, digest=_digest(raw)), raw

    @classmethod
    def user_for(cls, raw: str) -> User | None:
        """The token's user. Answers are kept for TOKEN_CACHE_SECONDS under the shared tokens
        stamp (:func:`tokens_stamp`), which every change to tokens, users and units and every
        lock-out replaces (hotline.accounts.signals): a revoked token or a deactivated or
        locked-out user stops working at once in every server process. The expiry is checked on
        every use. An unknown bearer string is looked up every time and never kept: strings an
        attacker sends cannot fill the cache or push real tokens out."""
        digest = _digest(raw)
        stamp = tokens_stamp()
        kept = _tokens.get(digest)
        if kept is None or kept[2] != stamp:
            live = cls._live_user(digest)
            kept = None if live is None else (*live, stamp)
            if kept is not None:
                _tokens.put(digest, value=kept)
        if kept is None or kept[1] <= timezone.now():
            return None
        return kept[0]

    @classmethod
    def _live_user(cls, digest: str) -> tuple[User, datetime] | None:
        from hotline.accounts.lockout import username_locked

        token = (
            cls.objects.select_related("user__unit")
            .filter(digest=digest, revoked=False, user__is_active=True)
            .first()
        )
        if token is None or username_locked(token.user.username):
            return None
        return token.user, token.expires_at


TOKEN_CACHE_SECONDS = 30.0
TOKEN_CACHE_SIZE = 1024
# Keyed by the token's SHA-256, never the token itself; each answer carries the stamp it was
# read under.
_tokens: Cache[str, tuple[User, datetime, str]] = Cache(
    name="API token users", max_age=TOKEN_CACHE_SECONDS, max_size=TOKEN_CACHE_SIZE
)
_TOKENS_STAMP_KEY = "accounts:tokens:stamp"


def tokens_stamp() -> str:
    """The stamp, in Django's shared cache, under which kept token answers hold: one read per
    API request instead of the token, user and lock-out queries."""
    stamp = cache.get(_TOKENS_STAMP_KEY)
    if stamp is None:  # never set, or dropped by the cache: a new one matches nothing kept
        cache.add(_TOKENS_STAMP_KEY, uuid.uuid4().hex, timeout=None)
        stamp = cache.get(_TOKENS_STAMP_KEY, "")
    return str(stamp)


def forget_tokens() -> None:
    """Drop every kept token answer, in every process: a new stamp (written in the caller's
    transaction, so other processes see it when they see the change)."""
    _tokens.reset()
    cache.set(_TOKENS_STAMP_KEY, uuid.uuid4().hex, timeout=None)


class UnitReviewSetting(models.Model):
    """单位审核: whether a unit's lead reviews its handlers' return and closure requests before
    they reach the center. Each change is a new row, so the detectors know when review applied."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="review_settings")
    required = models.BooleanField()
    since = models.DateTimeField()
    set_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["unit", "since", "id"]

    def __str__(self) -> str:
        return f"{self.unit.code} review={'on' if self.required else 'off'} since {self.since}"


class LiaisonScope(models.Model):
    """联络员 assignment: a liaison officer reads the orders of these units or areas."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="liaison_scopes")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT)
    area = models.CharField(max_length=64, blank=True)  # 行政区划 code (reference.Area)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(unit__isnull=False) & models.Q(area=""))
                | (models.Q(unit__isnull=True) & ~models.Q(area="")),
                name="liaison_scope_unit_or_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.unit.code if self.unit else self.area}"
