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

# Characters and members (views and forms in studio/character_views.py, studio/member_views.py).
from . import character_views, member_views  # noqa: E402

urlpatterns += [
    path(
        "projects/<uuid:project_id>/characters/",
        character_views.character_list,
        name="character-list",
    ),
    path(
        "projects/<uuid:project_id>/characters/new/",
        character_views.character_create,
        name="character-create",
    ),
    path(
        "projects/<uuid:project_id>/characters/<uuid:character_id>/",
        character_views.character_detail,
        name="character-detail",
    ),
    path(
        "projects/<uuid:project_id>/characters/<uuid:character_id>/edit/",
        character_views.character_edit,
        name="character-edit",
    ),
    path(
        "projects/<uuid:project_id>/characters/<uuid:character_id>/delete/",
        character_views.character_delete,
        name="character-delete",
    ),
    path(
        "projects/<uuid:project_id>/characters/<uuid:character_id>/images/",
        character_views.character_image_add,
        name="character-image-add",
    ),
    path(
        "projects/<uuid:project_id>/characters/<uuid:character_id>/images/<uuid:image_id>/delete/",
        character_views.character_image_delete,
        name="character-image-delete",
    ),
    path("projects/<uuid:project_id>/members/", member_views.members, name="members"),
    path(
        "projects/<uuid:project_id>/members/<str:username>/role/",
        member_views.member_role,
        name="member-role",
    ),
    path(
        "projects/<uuid:project_id>/members/<str:username>/remove/",
        member_views.member_remove,
        name="member-remove",
    ),
]
