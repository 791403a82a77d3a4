from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("commitments/", views.board, name="board"),
    path("commitments/export.csv", views.board_export, name="board_export"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/row/", views.commitment_row, name="commitment_row"),
    path(
        "commitments/<int:pk>/measurements/new/",
        views.measurement_create,
        name="measurement_create",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
