from django.urls import path

from . import views, views_recommendations, views_review

app_name = "insights"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("series/<int:pk>/health/", views.series_health, name="series_health"),
    path("series/<int:pk>/recommendations/optional/", views_recommendations.apply_optional, name="apply_optional"),
    path("series/<int:pk>/review/", views_review.review, name="review"),
    path("series/<int:pk>/review.docx", views_review.review_docx_file, name="review_docx_file"),
    path("series/<int:pk>/review.md", views_review.review_md_file, name="review_md_file"),
]
