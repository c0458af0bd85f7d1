"""Changes to users, units and tokens drop this process's cached token answers at once."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.accounts.models import ApiToken, Unit, User, forget_tokens


@receiver([post_save, post_delete], sender=ApiToken)
@receiver([post_save, post_delete], sender=User)
@receiver([post_save, post_delete], sender=Unit)
def _forget_cached_tokens(sender: type, **kwargs: Any) -> None:
    forget_tokens()
