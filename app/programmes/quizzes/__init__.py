"""Quizzes on books and challenges, graded on the server, with points for passing."""
