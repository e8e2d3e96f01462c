"""The project list, creating a project, and its settings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from studio.models import Membership, Project, Role

from ..factories import ProjectFactory, SceneFactory, ShotFactory

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("project-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_lists_only_my_projects_with_counts_and_running_time(owner_client, project, outsider):
    first, second = SceneFactory(project=project), SceneFactory(project=project)
    ShotFactory(scene=first, duration=Decimal("2.5"))
    ShotFactory(scene=first, duration=Decimal("4"))
    ShotFactory(scene=second, duration=Decimal("60"))
    foreign = Project.objects.get(memberships__user=outsider)

    response = owner_client.get(reverse("project-list"))

    assert response.status_code == 200
    listed = response.context["projects"]
    assert [p.id for p in listed] == [project.id]
    assert (listed[0].scene_count, listed[0].shot_count) == (2, 3)
    # Summed once per shot, not once per shot and scene.
    assert listed[0].running_time == Decimal("66.5")
    html = response.content.decode()
    assert "The Lighthouse" in html and "1:07" in html
    assert foreign.title not in html


def test_it_shows_an_empty_state_without_projects(client, django_user_model):
    user = django_user_model.objects.create_user("newcomer", password="x")
    client.force_login(user)
    response = client.get(reverse("project-list"))
    assert b"Create your first project" in response.content


def test_it_escapes_titles(owner_client, project):
    project.title = "<script>alert(1)</script>"
    project.save()
    html = owner_client.get(reverse("project-list")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_creating_a_project_makes_me_its_owner(owner_client, owner):
    response = owner_client.post(
        reverse("project-create"),
        {
            "title": "Night Ferry",
            "logline": "",
            "aspect_ratio": "2.39:1",
            "fps": 24,
            "style": "Grainy 16mm",
        },
    )
    project = Project.objects.get(title="Night Ferry")
    assert response.status_code == 302
    assert response.url == reverse("board", args=[project.id])
    assert project.created_by == owner
    assert project.aspect_ratio == "2.39:1"
    assert Membership.objects.get(project=project, user=owner).role == Role.OWNER


def test_creating_a_project_shows_errors_and_saves_nothing(owner_client, project):
    response = owner_client.post(
        reverse("project-create"), {"title": "", "aspect_ratio": "5:4", "fps": 0}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"title", "aspect_ratio", "fps"} <= set(form.errors)
    assert Project.objects.count() == 1


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_owners_and_editors_change_the_settings(request, project, who):
    client = request.getfixturevalue(f"{who}_client")
    url = reverse("project-edit", args=[project.id])
    assert b"Save settings" in client.get(url).content
    response = client.post(
        url, {"title": "The Lighthouse (v2)", "aspect_ratio": "4:3", "fps": 25, "style": "Ink wash"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.aspect_ratio, project.fps, project.style) == (
        "The Lighthouse (v2)",
        "4:3",
        25,
        "Ink wash",
    )


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_read_the_settings_but_cannot_change_them(request, project, who):
    client = request.getfixturevalue(f"{who}_client")
    url = reverse("project-edit", args=[project.id])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Save settings" not in page.content
    assert (
        client.post(url, {"title": "Hacked", "aspect_ratio": "1:1", "fps": 24}).status_code == 403
    )
    project.refresh_from_db()
    assert project.title == "The Lighthouse"


def test_outsiders_get_404_on_the_settings(outsider_client, project):
    url = reverse("project-edit", args=[project.id])
    assert outsider_client.get(url).status_code == 404
    assert (
        outsider_client.post(url, {"title": "x", "aspect_ratio": "1:1", "fps": 24}).status_code
        == 404
    )


def test_another_project_does_not_count_in_mine(owner_client, project):
    other = ProjectFactory()
    ShotFactory(scene=SceneFactory(project=other))
    listed = owner_client.get(reverse("project-list")).context["projects"]
    assert listed[0].shot_count == 0 and listed[0].running_time is None


def test_the_project_list_makes_the_same_queries_for_one_project_or_many(owner, owner_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import MembershipFactory

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(reverse("project-list")).status_code == 200
        return len(queries)

    owner_client.get(
        reverse("project-list")
    )  # the first page of a session sets up the credit header
    one = count()
    for _ in range(5):
        project = ProjectFactory()
        MembershipFactory(project=project, user=owner, role=Role.OWNER)
        ShotFactory(scene=SceneFactory(project=project))
    assert count() == one
