from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "hotline.notify"
    label = "notify"
    verbose_name = "通知 Notifications"

    def ready(self) -> None:
        from hotline.notify.outbox import outbox_enqueue
        from hotline.workorders.notices import notices_subscribe

        # Every event the spine writes may cause notices: queue them in the same transaction.
        notices_subscribe(outbox_enqueue)
