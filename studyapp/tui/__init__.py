"""The Textual UI of studyapp: screens over the store (`studyapp.store.review`, `.search`...).

Only this package imports Textual. Database work runs in thread workers whose results come back
as the typed messages of `studyapp.tui.messages`; Keras and TensorFlow are never imported here
(demos run in their own process).
"""
