"""The admin's "Visa på webbplatsen" address, /admin/r/<content type>/<id>/, answered only for
objects the user may see in the admin.

Django's own view (django.contrib.contenttypes.views.shortcut) redirects to any object's
public address, and so would tell a staff member from another county that a draft exists and
what its address is. Here the object is looked up through its admin's get_queryset, which
for agreements and their parts is the policy's visible_to(user); anything else is 404, the
same as an id that does not exist."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.http import Http404


def admin_view_on_site(request, content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        raise Http404 from None
    try:
        model_admin = admin.site.get_model_admin(model)
    except admin.sites.NotRegistered:
        raise Http404 from None
    if not model_admin.has_view_or_change_permission(request):
        raise Http404
    if model_admin.get_object(request, unquote(object_id)) is None:
        raise Http404
    return contenttype_views.shortcut(request, content_type_id, object_id)
