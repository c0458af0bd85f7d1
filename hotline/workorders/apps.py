from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "hotline.workorders"
    label = "workorders"
    verbose_name = "工单 Work orders"

    def ready(self) -> None:
        from hotline.eventstore.streams import stream_register
        from hotline.workorders.stream import ORDER_STREAM

        stream_register(ORDER_STREAM)
