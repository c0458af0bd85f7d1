from django.apps import AppConfig


class EventstoreConfig(AppConfig):
    name = "hotline.eventstore"
    label = "eventstore"
    verbose_name = "存证 Event store"
