"""The two staff groups (DESIGN.md 9): 事務局 (the secretariat) and 編集者 (editors).

- 事務局: may use the Wagtail admin and manage members. Later features add their own
  permissions (invoices, seminars, ...) to this group in their own migrations.
- 編集者: may use the Wagtail admin, edit and publish the public pages, and manage images and
  documents, but sees no member data.

Permissions are normally created after all migrations (post_migrate), so the ones needed here
are created on the spot, with the names Django would give them.
"""

from django.db import migrations

STAFF_GROUP = "事務局"
EDITOR_GROUP = "編集者"

MEMBER_ACTIONS = ["add", "change", "view", "delete"]
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
EDITOR_COLLECTION_PERMISSIONS = {
    ("wagtailimages", "image"): ["add_image", "change_image", "choose_image"],
    ("wagtaildocs", "document"): ["add_document", "change_document", "choose_document"],
}


def _permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    access_admin = _permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")

    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(
        access_admin,
        *[
            _permission(apps, "membership", "member", f"{action}_member", f"Can {action} 会員")
            for action in MEMBER_ACTIONS
        ],
    )

    editors, _ = Group.objects.get_or_create(name=EDITOR_GROUP)
    editors.permissions.add(access_admin)
    page_permissions = [
        _permission(apps, "wagtailcore", "page", codename, f"Can {codename.replace('_', ' ')}")
        for codename in EDITOR_PAGE_PERMISSIONS
    ]
    for root in Page.objects.filter(depth=1):
        for permission in page_permissions:
            GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=permission)
    for root in Collection.objects.filter(depth=1):
        for (app_label, model), codenames in EDITOR_COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                permission = _permission(apps, app_label, model, codename, f"Can {codename.replace('_', ' ')}")
                GroupCollectionPermission.objects.get_or_create(group=editors, collection=root, permission=permission)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    # Deleting the groups removes their page and collection permissions too (cascade).
    Group.objects.filter(name__in=[STAFF_GROUP, EDITOR_GROUP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0090_remove_grouppagepermission_permission_type"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtaildocs", "0011_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
