from django.contrib.auth import views as auth_views
from django.urls import path

from hotline.web.views import anchors, auth, citizen, intake, orders, queues, tianyan

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/code/", auth.login_code, name="login_code"),
    path("login/enrol/", auth.login_enrol, name="login_enrol"),
    path("login/recovery/", auth.login_recovery, name="login_recovery"),
    path("account/security/", auth.security, name="security"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("intake/", intake.intake, name="intake"),
    path("intake/assist/", intake.intake_assist, name="intake_assist"),
    path("agent/state/", intake.agent_state, name="agent_state"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:number>/", orders.order_detail, name="order"),
    path(
        "orders/<str:number>/attachments/<int:attachment_id>/",
        orders.attachment_download,
        name="attachment",
    ),
    path("orders/<str:number>/<str:action>/", orders.order_act, name="order_act"),
    path("dispatch/", queues.dispatch_queue, name="dispatch"),
    path("inbox/", queues.inbox, name="inbox"),
    path("tianyan/", tianyan.dashboard, name="tianyan"),
    path("anchors/", anchors.anchor_list, name="anchors"),
    path("anchors/<int:anchor_id>.json", anchors.anchor_download, name="anchor_download"),
    path("my/", citizen.my_orders, name="my_orders"),
    path("my/new/", citizen.submit, name="submit"),
    path("track/", citizen.track, name="track"),
]
