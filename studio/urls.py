from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import serving

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("media/<path:path>", serving.protected_media, name="media"),
    path("billing/", include("billing.urls")),
    path("", include("shots.urls")),
    path("", include("studio.board_urls")),
]
