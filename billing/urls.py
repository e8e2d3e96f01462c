from django.urls import path

from . import views

urlpatterns = [
    path("", views.credits, name="credits"),
    path("history.csv", views.credits_csv, name="credits-csv"),
    path("estimate/", views.credit_estimate, name="credit-estimate"),
    path("header/", views.header_credits, name="header-credits"),
    path("usage/", views.usage_report, name="billing-usage"),
    path("usage.csv", views.usage_csv, name="billing-usage-csv"),
]
