"""The admin site for forces and users, with roles as checkboxes."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group

from . import grants
from .models import Force, RoleGrant, User
from .roles import Role
from .services import AccountError, check_roles

admin.site.site_header = "NetSafe administration"
admin.site.site_title = "NetSafe administration"
# Roles are managed on each user as checkboxes; editing the role groups
# themselves would let their names drift from the roles the code knows.
admin.site.unregister(Group)


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact", "weight"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class RolesMixin(forms.Form):
    """A ``roles`` field of checkboxes, checked against the force."""

    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=True,
        help_text="Officer, supervisor, examiner and safeguarding need a force; "
        "charity roles need none and cannot be combined with police roles.",
    )

    def clean(self):
        data = super().clean()
        if "roles" in data:
            try:
                data["roles"] = check_roles(data["roles"], data.get("force"))
            except AccountError as exc:
                self.add_error("roles", str(exc))
        return data


class NetSafeUserChangeForm(RolesMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["roles"] = sorted(self.instance.roles)


class NetSafeUserCreationForm(RolesMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email", "force"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = NetSafeUserChangeForm
    add_form = NetSafeUserCreationForm
    list_display = ["username", "first_name", "last_name", "force", "role_names", "is_active"]
    list_filter = ["force", "groups", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Force and roles", {"fields": ["force", "roles"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "force",
                    "roles",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description="Roles")
    def role_names(self, obj: User) -> str:
        return ", ".join(sorted(obj.roles))

    def save_model(self, request, obj, form, change):
        # A move to another force of a user with force roles waits for a second
        # administrator like a new role (grants.change_roles): keep the old force now.
        obj._requested_force = obj.force
        if change:
            old_force_id = User.objects.filter(pk=obj.pk).values_list("force_id", flat=True)[0]
            if grants.needs_approval(
                User.objects.get(pk=obj.pk), form.cleaned_data["roles"], obj.force
            ):
                obj.force_id = old_force_id
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        grant = grants.change_roles(
            user, form.cleaned_data["roles"], user._requested_force, by=request.user
        )
        if grant is not None:
            self.message_user(
                request,
                f"The roles {', '.join(grant.roles)} for {user.username} need a second "
                "administrator's approval: they are listed under Role requests.",
                messages.WARNING,
            )


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Role requests awaiting a second administrator (approved on ``/accounts/grants/``)."""

    list_display = ["user", "role_list", "force", "requested_by", "requested_at", "status"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in RoleGrant._meta.fields]

    @admin.display(description="Roles")
    def role_list(self, obj: RoleGrant) -> str:
        return ", ".join(obj.roles)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
