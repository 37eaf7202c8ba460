"""Runnable Keras 3 demos of *Generative Deep Learning* (2nd ed.), one module per demo.

Each demo runs in its own process, `python -m demos.<module> [options]`, and reports what it does
as JSON lines on stdout (`demos.events`, writing the schema of `studyapp.demos.protocol`). Its
name, title, dataset and training defaults are its entry in the demo catalogue
(`studyapp/demos/catalogue.toml`), which the app reads too. The shared pieces: `options` (the
command line), `entrypoint` (the process lifecycle and the `TrainingRun` services), `device`
(devices and precision), `data` (image datasets: `image_data`, `keras_cache`, `local_images`),
`events`, `progress_callback`, `figures`, `classification` (the chapter 2 classifiers), `gan`
(the chapter 4 GANs), `gradients` (hand-written train steps), `text_data` and `text_generation`
(the word-level text demos), `music_data`, `music_model` and `music_output` (the chapter 11
music demo).

Importing this package must stay cheap and must not import keras or a backend: the backend is
chosen from the command line, and KERAS_BACKEND has to be set before keras is first imported.
From `studyapp` the demos import only the stdlib-only catalogue reader and event protocol; the
app lists the demos through `studyapp.demos.catalogue`, which does not import this package.
"""
