from django.apps import AppConfig


class CallcenterConfig(AppConfig):
    name = "hotline.callcenter"
    label = "callcenter"
    verbose_name = "话务 Call center"
