from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .access import get_project_for_user
from .models import Project


@login_required
def project_list(request):
    projects = Project.objects.for_user(request.user).with_counts()
    return render(request, "studio/project_list.html", {"projects": projects})


@login_required
def board(request, project_id):
    project, membership = get_project_for_user(request, project_id)
    return render(request, "studio/board.html", {"project": project, "membership": membership})
