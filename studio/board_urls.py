"""Projects, board, scenes, characters and members (views in studio/views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<uuid:project_id>/", views.board, name="board"),
]
