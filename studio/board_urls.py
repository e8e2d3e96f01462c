"""Projects, board, scenes, characters and members (views in studio/views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<uuid:project_id>/", views.board, name="board"),
    path("projects/<uuid:project_id>/settings/", views.project_edit, name="project-edit"),
    path("projects/<uuid:project_id>/reorder/", views.board_reorder, name="board-reorder"),
    path("projects/<uuid:project_id>/renumber/", views.board_renumber, name="board-renumber"),
    path("projects/<uuid:project_id>/scenes/new/", views.scene_create, name="scene-create"),
    path(
        "projects/<uuid:project_id>/scenes/<uuid:scene_id>/edit/",
        views.scene_edit,
        name="scene-edit",
    ),
    path(
        "projects/<uuid:project_id>/scenes/<uuid:scene_id>/delete/",
        views.scene_delete,
        name="scene-delete",
    ),
    path(
        "projects/<uuid:project_id>/scenes/<uuid:scene_id>/move/",
        views.scene_move,
        name="scene-move",
    ),
]
