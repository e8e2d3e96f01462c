from django.contrib import admin

from .models import Shot


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["code", "subject", "scene", "shot_size", "camera_move", "duration"]
    list_filter = ["shot_size", "camera_move"]
    search_fields = ["code", "subject", "action"]
    raw_id_fields = ["scene", "project"]
