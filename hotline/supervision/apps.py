from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "hotline.supervision"
    label = "supervision"
    verbose_name = "纪检监察 Supervision"

    def ready(self) -> None:
        from hotline.eventstore.guard import sealed_rows_register
        from hotline.eventstore.streams import stream_register
        from hotline.supervision.stream import CASE_STREAM

        stream_register(CASE_STREAM)
        # 通报: a published circular, and the units it names, are never changed or deleted.
        sealed_rows_register(
            "supervision_circular",
            when="OLD.state = 'published'",
            message="published circulars are never changed",
        )
        sealed_rows_register(
            "supervision_circularunit",
            when="1 = 1",
            message="the units a published circular names are never changed",
        )
