"""Shots, takes and media (views in shots/views.py and shots/take_views.py)."""

urlpatterns: list = []
