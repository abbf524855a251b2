from django.urls import path

from .views import health, recommendations, review_report

app_name = "insights"
urlpatterns = [
    path("health/", health.health, name="health"),
    path("series/<int:pk>/health/", health.series_health, name="series_health"),
    path("series/<int:pk>/recommendations/optional/", recommendations.apply_optional, name="apply_optional"),
    path("series/<int:pk>/review/", review_report.review_report_page, name="review_report_page"),
    path("series/<int:pk>/review.docx", review_report.review_report_docx_file, name="review_report_docx_file"),
    path("series/<int:pk>/review.md", review_report.review_report_md_file, name="review_report_md_file"),
]
