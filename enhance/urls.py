from django.urls import path

from enhance import views, views_results, views_status
from enhance.notifications import views as notification_views

app_name = "enhance"

urlpatterns = [
    path("photos/<int:photo_id>/enhance/", views.submit, name="submit"),
    path("photos/enhance-batch/", views.submit_batch, name="submit_batch"),
    path("jobs/", views_status.my_jobs, name="my_jobs"),
    path("jobs/status.json", views_status.jobs_status, name="jobs_status"),
    path("jobs/<int:job_id>/status.json", views_status.job_status, name="job_status"),
    path("jobs/<int:job_id>/cancel/", views.cancel, name="cancel"),
    path("jobs/<int:job_id>/delete/", views.delete, name="delete"),
    path("jobs/<int:job_id>/result/", views_results.result_download, name="result_download"),
    path("jobs/<int:job_id>/result/view/", views_results.result_view, name="result_view"),
    path("jobs/<int:job_id>/result/full/", views_results.result_full, name="result_full"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/unread.json", notification_views.unread, name="notifications_unread"),
    path("notifications/read-all/", notification_views.mark_all_read, name="notifications_read_all"),
]
