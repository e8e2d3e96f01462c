from django.contrib import admin

from .models import Character, CharacterImage, Membership, Project, Scene


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "aspect_ratio", "fps", "updated_at"]
    search_fields = ["title", "logline"]
    inlines = [MembershipInline]


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    list_display = ["title", "slugline", "project", "position"]
    list_filter = ["project"]


class CharacterImageInline(admin.TabularInline):
    model = CharacterImage
    extra = 0
    fields = ["image", "caption"]


@admin.register(Character)
class CharacterAdmin(admin.ModelAdmin):
    list_display = ["name", "project"]
    search_fields = ["name", "description"]
    inlines = [CharacterImageInline]
