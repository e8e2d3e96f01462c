"""Shots, takes and media (views in shots/views.py and shots/take_views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    # The board's shots (in place) and the shot editor.
    path(
        "projects/<uuid:project_id>/scenes/<uuid:scene_id>/shots/new/",
        views.shot_create,
        name="shot-create",
    ),
    path("projects/<uuid:project_id>/shots/<uuid:shot_id>/", views.shot_detail, name="shot-detail"),
    path(
        "projects/<uuid:project_id>/shots/<uuid:shot_id>/edit/", views.shot_edit, name="shot-edit"
    ),
    path(
        "projects/<uuid:project_id>/shots/<uuid:shot_id>/delete/",
        views.shot_delete,
        name="shot-delete",
    ),
    path(
        "projects/<uuid:project_id>/shots/<uuid:shot_id>/move/", views.shot_move, name="shot-move"
    ),
    path(
        "projects/<uuid:project_id>/shots/<uuid:shot_id>/preview/",
        views.shot_prompt_preview,
        name="shot-prompt-preview",
    ),
]

# Takes in the browser: the Generate form, the strip with live status, the player, the animatic
# (views in shots/take_views.py).
from . import take_views  # noqa: E402

urlpatterns += [
    path(
        "projects/<uuid:project_id>/shots/<uuid:shot_id>/takes/",
        take_views.takes_panel,
        name="takes-panel",
    ),
    path(
        "projects/<uuid:project_id>/shots/<uuid:shot_id>/takes/form/",
        take_views.generate_form,
        name="take-generate-form",
    ),
    path(
        "projects/<uuid:project_id>/shots/<uuid:shot_id>/takes/generate/",
        take_views.take_generate,
        name="take-generate",
    ),
    path(
        "projects/<uuid:project_id>/takes/<uuid:take_id>/",
        take_views.take_player,
        name="take-player",
    ),
    path(
        "projects/<uuid:project_id>/takes/<uuid:take_id>/status/",
        take_views.take_status,
        name="take-status",
    ),
    path(
        "projects/<uuid:project_id>/takes/<uuid:take_id>/retry/",
        take_views.take_retry,
        name="take-retry",
    ),
    path(
        "projects/<uuid:project_id>/takes/<uuid:take_id>/cancel/",
        take_views.take_cancel,
        name="take-cancel",
    ),
    path(
        "projects/<uuid:project_id>/takes/<uuid:take_id>/circle/",
        take_views.take_circle,
        name="take-circle",
    ),
    path(
        "projects/<uuid:project_id>/takes/<uuid:take_id>/uncircle/",
        take_views.take_uncircle,
        name="take-uncircle",
    ),
    path(
        "projects/<uuid:project_id>/animatic/", take_views.project_animatic, name="project-animatic"
    ),
    path(
        "projects/<uuid:project_id>/scenes/<uuid:scene_id>/animatic/",
        take_views.scene_animatic,
        name="scene-animatic",
    ),
    path(
        "projects/<uuid:project_id>/scenes/<uuid:scene_id>/generate-missing/",
        take_views.scene_generate_missing,
        name="scene-generate-missing",
    ),
]
