"""Runnable Keras 3 demos of *Generative Deep Learning* (2nd ed.), one module per demo.

Each demo runs in its own process, `python -m demos.<module> [options]`, and reports what it does
as JSON lines on stdout (see `demos.events`). The shared pieces: `options` (the command line),
`entrypoint` (the process lifecycle and the `DemoRun` services), `device` (devices and
precision), `data` (datasets), `events`, `progress_callback`, `figures`, `classification` (the
chapter 2 classifiers), `gan` (the chapter 4 GANs), `gradients` (hand-written train steps),
`text_data` and `text_generation` (the word-level text demos).

Importing this package must stay cheap and must not import keras or a backend: the backend is
chosen from the command line, and KERAS_BACKEND has to be set before keras is first imported.
The app lists the demos through `studyapp.demos.catalogue`, which does not import this package.
"""
