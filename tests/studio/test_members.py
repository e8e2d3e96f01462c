"""Members: everyone sees who is on the project; owners add, change and remove; one owner stays."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studio.models import Membership, Role

from ..factories import MembershipFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def members_url(project):
    return reverse("members", args=[project.id])


def role_url(project, username):
    return reverse("member-role", args=[project.id, username])


def remove_url(project, username):
    return reverse("member-remove", args=[project.id, username])


def role_of(project, user) -> str | None:
    return project.role_of(user)


@pytest.fixture
def newcomer(db):
    return UserFactory(username="tom.harker")


# --- The list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "editor", "reviewer", "viewer"])
def test_every_member_sees_the_members_and_their_roles(request, who, project, owner, editor):
    client = request.getfixturevalue(f"{who}_client")

    page = client.get(members_url(project)).content.decode()

    assert "owner" in page and "editor" in page
    assert "Owner" in page and "Editor" in page


def test_owners_see_the_controls(owner_client, project, editor):
    page = owner_client.get(members_url(project)).content.decode()

    assert role_url(project, "editor") in page
    assert remove_url(project, "editor") in page
    assert 'name="username"' in page


@pytest.mark.parametrize("who", ["editor", "reviewer", "viewer"])
def test_non_owners_see_the_list_only(request, who, project, owner):
    client = request.getfixturevalue(f"{who}_client")

    page = client.get(members_url(project)).content.decode()

    assert role_url(project, "owner") not in page
    assert remove_url(project, "owner") not in page
    assert 'name="username"' not in page
    assert "Only its owners can add members" in page


@pytest.mark.parametrize("who", ["editor", "reviewer", "viewer"])
def test_non_owners_cannot_add_change_or_remove(request, who, project, owner, newcomer):
    client = request.getfixturevalue(f"{who}_client")

    add = client.post(members_url(project), {"username": "tom.harker", "role": "owner"})
    promote = client.post(role_url(project, who), {"role": "owner"})
    remove = client.post(remove_url(project, "owner"))

    assert (add.status_code, promote.status_code, remove.status_code) == (403, 403, 403)
    assert role_of(project, newcomer) is None
    assert role_of(project, owner) == Role.OWNER
    assert role_of(project, request.getfixturevalue(who)) == who


def test_outsiders_get_404(outsider_client, project, owner, newcomer):
    urls = [members_url(project), role_url(project, "owner"), remove_url(project, "owner")]

    assert outsider_client.get(members_url(project)).status_code == 404
    for url in urls:
        response = outsider_client.post(url, {"username": "tom.harker", "role": "owner"})
        assert response.status_code == 404, url
    assert role_of(project, owner) == Role.OWNER
    assert role_of(project, newcomer) is None


def test_usernames_are_escaped(owner_client, project, owner):
    MembershipFactory(project=project, user=UserFactory(username="a<b"), role=Role.VIEWER)

    page = owner_client.get(members_url(project)).content.decode()

    assert "a&lt;b" in page and "a<b" not in page


# --- Adding ------------------------------------------------------------------------------------


def test_an_owner_adds_a_member_by_username_with_a_role(owner_client, project, newcomer):
    response = owner_client.post(
        members_url(project), {"username": "tom.harker", "role": "reviewer"}
    )

    assert response.status_code == 302 and response["Location"] == members_url(project)
    assert role_of(project, newcomer) == Role.REVIEWER


def test_with_htmx_the_list_is_redrawn_in_place(owner_client, project, newcomer):
    response = owner_client.post(
        members_url(project), {"username": "tom.harker", "role": "editor"}, **HTMX
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="members"' in page and "<html" not in page
    assert "tom.harker" in page and "tom.harker joined as editor." in page
    assert role_of(project, newcomer) == Role.EDITOR


def test_a_username_in_another_case_is_found(owner_client, project, newcomer):
    owner_client.post(members_url(project), {"username": "@Tom.Harker", "role": "viewer"})

    assert role_of(project, newcomer) == Role.VIEWER


def test_an_unknown_username_is_a_clear_form_error(owner_client, project):
    response = owner_client.post(
        members_url(project), {"username": "nobody", "role": "editor"}, **HTMX
    )

    assert response.status_code == 200
    assert "There is no user called “nobody”" in response.content.decode()
    assert project.memberships.count() == 1


def test_adding_someone_already_on_the_project_points_to_their_role(owner_client, project, editor):
    response = owner_client.post(members_url(project), {"username": "editor", "role": "viewer"})

    assert "already on this project as editor" in response.content.decode()
    assert role_of(project, editor) == Role.EDITOR


def test_an_unknown_role_is_refused(owner_client, project, newcomer):
    response = owner_client.post(members_url(project), {"username": "tom.harker", "role": "god"})

    assert "Select a valid choice" in response.content.decode()
    assert role_of(project, newcomer) is None


# --- Changing roles ----------------------------------------------------------------------------


def test_an_owner_changes_a_role(owner_client, project, viewer):
    response = owner_client.post(role_url(project, "viewer"), {"role": "editor"}, **HTMX)

    assert response.status_code == 200
    assert role_of(project, viewer) == Role.EDITOR
    assert "viewer is now editor." in response.content.decode()


def test_an_owner_makes_another_owner(owner_client, project, editor):
    owner_client.post(role_url(project, "editor"), {"role": "owner"})

    assert role_of(project, editor) == Role.OWNER


def test_the_last_owner_cannot_be_demoted(owner_client, project, owner):
    response = owner_client.post(role_url(project, "owner"), {"role": "editor"}, **HTMX)

    assert response.status_code == 200
    assert "A project needs an owner" in response.content.decode()
    assert role_of(project, owner) == Role.OWNER


def test_an_owner_may_step_down_when_another_owner_remains(owner_client, project, owner, editor):
    Membership.objects.filter(project=project, user=editor).update(role=Role.OWNER)

    response = owner_client.post(role_url(project, "owner"), {"role": "editor"}, **HTMX)

    assert role_of(project, owner) == Role.EDITOR
    assert response.headers["HX-Redirect"] == members_url(project)


def test_a_member_of_another_project_is_not_found(owner_client, project, outsider):
    response = owner_client.post(role_url(project, "outsider"), {"role": "viewer"})

    assert response.status_code == 404
    assert role_of(outsider.memberships.get().project, outsider) == Role.OWNER


# --- Removing ----------------------------------------------------------------------------------


def test_an_owner_removes_a_member(owner_client, project, editor):
    response = owner_client.post(remove_url(project, "editor"), **HTMX)

    assert response.status_code == 200
    assert "editor was removed" in response.content.decode()
    assert role_of(project, editor) is None


def test_the_last_owner_cannot_be_removed(owner_client, project, owner, editor):
    response = owner_client.post(remove_url(project, "owner"), **HTMX)

    assert "The last owner cannot be removed" in response.content.decode()
    assert role_of(project, owner) == Role.OWNER


def test_an_owner_may_leave_when_another_owner_remains(owner_client, project, owner, editor):
    Membership.objects.filter(project=project, user=editor).update(role=Role.OWNER)

    response = owner_client.post(remove_url(project, "owner"))

    assert response.status_code == 302 and response["Location"] == reverse("project-list")
    assert role_of(project, owner) is None
    assert owner_client.get(members_url(project)).status_code == 404
