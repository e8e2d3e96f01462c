"""Signing in and out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_has_labelled_fields(client):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_it_signs_in_and_lands_on_the_projects(client):
    UserFactory(username="director")
    response = client.post(reverse("login"), {"username": "director", "password": "storyboard"})
    assert response.status_code == 302
    assert response.url == reverse("project-list")


def test_a_wrong_password_is_explained_in_place(client):
    UserFactory(username="director")
    response = client.post(reverse("login"), {"username": "director", "password": "nope"})
    assert response.status_code == 200
    assert b"form-error" in response.content
    assert b'value="director"' in response.content


def test_it_signs_out(owner_client):
    response = owner_client.post(reverse("logout"))
    assert response.status_code == 302
    assert owner_client.get(reverse("project-list")).status_code == 302
