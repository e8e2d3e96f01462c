"""manage.py generate <shot uuid> --provider local --seconds 4 --size 1280x720 [--count N] [--wait]

Asks for takes of a shot through shots.renders.request_take (the same door as the browser), as
the shot's project owner unless --user names someone else. With --wait it follows the takes
until they finish and exits non-zero if any of them failed.
"""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shots import renders
from shots.models import Shot, Take, TakeStatus
from shots.providers import get_provider, refusal
from studio.models import Role


class Command(BaseCommand):
    help = "Generate takes of a shot (through the same checks as the browser)."

    def add_arguments(self, parser):
        parser.add_argument("shot", help="The shot's id (a UUID).")
        parser.add_argument("--provider", default="local")
        parser.add_argument("--model", default="", help="Default: the provider's first model.")
        parser.add_argument("--seconds", default="", help="Default: the shot's duration.")
        parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT, e.g. 1280x720.")
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--user", default="", help="Username to ask as (default: an owner).")
        parser.add_argument(
            "--wait", action="store_true", help="Follow the takes until they finish."
        )
        parser.add_argument(
            "--timeout", type=float, default=600, help="Seconds --wait waits at most."
        )

    def handle(self, *args, **options):
        shot = (
            Shot.objects.select_related("project", "scene").filter(id=options["shot"]).first()
            if _is_uuid(options["shot"])
            else None
        )
        if shot is None:
            raise CommandError(f"No shot with id {options['shot']!r}.")
        user = self._user(shot, options["user"])
        provider_name = options["provider"]
        model = options["model"]
        if not model:
            reason = refusal(provider_name, "")
            if reason.startswith("There is no provider") or "switched off" in reason:
                raise CommandError(reason)
            model = get_provider(provider_name).capabilities.default_model.name
        seconds = options["seconds"] or shot.duration
        try:
            takes = renders.request_take(
                shot,
                user,
                provider=provider_name,
                model=model,
                seconds=seconds,
                size=options["size"],
                seed=options["seed"],
                count=options["count"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        if not options["wait"]:
            for take in takes:
                self.stdout.write(f"{take.id}  {shot.code} take {take.number}  queued")
            return
        failed = self._wait([t.id for t in takes], options["timeout"])
        if failed:
            raise CommandError(f"{failed} take(s) did not succeed.")

    def _user(self, shot: Shot, username: str):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username).first()
            if user is None or not shot.project.memberships.filter(user=user).exists():
                raise CommandError(f"{username!r} is not a member of {shot.project}.")
            return user
        membership = shot.project.memberships.filter(role=Role.OWNER).select_related("user").first()
        if membership is None:
            raise CommandError("The project has no owner; name a member with --user.")
        return membership.user

    def _wait(self, ids, timeout: float) -> int:
        """Print each change of status or progress until every take has finished."""
        seen: dict = {}
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            takes = list(Take.objects.filter(id__in=ids).select_related("shot"))
            for take in takes:
                state = (take.status, take.progress)
                if seen.get(take.id) != state:
                    seen[take.id] = state
                    line = f"{take.id}  {take.shot.code} take {take.number}  {take.status_text}"
                    if take.status == TakeStatus.SUCCEEDED:
                        size = f"{take.result_width}x{take.result_height}"
                        line += f"  {take.video.name} ({take.duration:.2f} s, {size})"
                    self.stdout.write(line)
            if all(t.is_terminal for t in takes):
                return sum(t.status != TakeStatus.SUCCEEDED for t in takes)
            time.sleep(0.5)  # a command line waiting, not a worker
        raise CommandError(
            f"The takes were not finished after {timeout:g} s (they go on in the worker)."
        )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
