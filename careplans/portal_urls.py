"""The person's own care plan, at /my/care-plan/."""

from django.urls import path

from . import own_words_views, views

app_name = "my_care_plan"

urlpatterns = [
    path("", views.my_plan, name="plan"),
    path("pdf/", views.my_plan_pdf, name="pdf"),
    # Issue 20: the person's own goals and words for their plan.
    path("goals/", own_words_views.my_goals, name="goals"),
    path("goals/new/", own_words_views.my_goal_new, name="goal_new"),
    path("goals/rate/", own_words_views.my_goal_rate, name="goal_rate"),
    path("your-words/", own_words_views.my_words, name="words"),
    path("your-words/new/", own_words_views.my_words_new, name="words_new"),
    path("easy-read.pdf", views.my_plan_easy_read_pdf, name="easy_read_pdf"),
]
