from django.contrib import admin
from django.urls import include, path

from hotline.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("open311/v2/", include("hotline.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's switch
    path("", include("hotline.web.urls")),
]
