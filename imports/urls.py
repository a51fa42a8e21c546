from django.urls import path

from . import mapping_views, template_views, undo_views, views

app_name = "imports"

urlpatterns = [
    path("", views.JobIndexView.as_view(), name="index"),
    path("new/", views.UploadView.as_view(), name="upload"),
    path("template/attendance/", template_views.attendance_template, name="attendance_template"),
    path("template/<slug:kind>.<str:fmt>", views.template_download, name="template"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="job"),
    path("<int:pk>/status/", views.job_status, name="status"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/preview/", views.preview_again, name="preview"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/errors.csv", views.errors_csv, name="errors"),
    path("<int:pk>/undo/", undo_views.UndoView.as_view(), name="undo"),
    path("<int:pk>/columns/", mapping_views.ColumnMappingView.as_view(), name="columns"),
    path("<int:pk>/rows/<slug:outcome>.<str:fmt>", views.rows_download, name="rows"),
]
