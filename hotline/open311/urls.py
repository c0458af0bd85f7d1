from django.urls import path

from hotline.open311 import views

urlpatterns = [
    path("discovery.<str:fmt>", views.discovery),
    path("services.<str:fmt>", views.service_list),
    path("services/<str:code>.<str:fmt>", views.service_definition),
    path("requests.<str:fmt>", views.request_list),
    path("requests/<str:number>.<str:fmt>", views.request_detail),
    path("tokens/<str:token>.<str:fmt>", views.token_detail),
]
