from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "hotline.dispatch"
    label = "dispatch"
    verbose_name = "智能派单 Dispatch"
