"""Changes to users, units and tokens, and lock-outs, drop the cached token answers of every
server process at once (a new shared stamp: hotline.accounts.models.forget_tokens)."""

from typing import Any

from axes.signals import user_locked_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.accounts.models import ApiToken, Unit, User, forget_tokens


@receiver([post_save, post_delete], sender=ApiToken)
@receiver([post_save, post_delete], sender=User)
@receiver([post_save, post_delete], sender=Unit)
def _forget_cached_tokens(sender: type, **kwargs: Any) -> None:
    forget_tokens()


@receiver(user_locked_out)
def _forget_tokens_of_locked_out(sender: Any, **kwargs: Any) -> None:
    """登录锁定 stops the locked user's API tokens too: the next use looks the lock up."""
    forget_tokens()
