from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "hotline.supervision"
    label = "supervision"
    verbose_name = "纪检监察 Supervision"

    def ready(self) -> None:
        from hotline.eventstore.streams import stream_register
        from hotline.supervision.stream import CASE_STREAM

        stream_register(CASE_STREAM)
