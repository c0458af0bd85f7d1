from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    label = "accounts"
    verbose_name = "单位与用户 Units and users"

    def ready(self) -> None:
        from hotline.accounts import signals  # noqa: F401  (connects the receivers)
