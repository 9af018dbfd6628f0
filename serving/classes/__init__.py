"""Class mode's storage: classes, their anonymous students and answers, in SQLite or PostgreSQL.

`store.ClassStore` is the one entry point (codes, limits, reports and retention are its parts).
Nothing here imports streamlit: the teacher's and the students' pages live in ui/.
"""
