"""Runnable Keras 3 demos of *Generative Deep Learning* (2nd ed.), one module per demo.

Each demo runs in its own process, `python -m demos.<module> [options]`, and reports what it does
as JSON lines on stdout (`demos.events`, writing the schema of `studyapp.demos.protocol`). Its
name, title, dataset and training defaults are its entry in the demo catalogue
(`studyapp/demos/catalogue.toml`), which the app reads too. The shared pieces: `options` (the
command line), `entrypoint` (the process lifecycle and the `TrainingRun` services), `device`
(devices and precision), `data` (image datasets: `image_data`, `keras_cache` with `download`,
`local_images`), `lesson` and `lesson_metrics` (what `--lesson` reaches, against which
baseline), `epoch_pictures` (the same latent points drawn after every epoch), `events`,
`progress_callback`, `figures`, `classification` (the chapter 2 classifiers), `gan`
(the chapter 4 GANs), `gradients` (hand-written train steps), `text_data` and `text_generation`
(the word-level text demos), `music_data`, `music_model` and `music_output` (the chapter 11
music demo), `digit_judge` (the classifier that reads generated digits), `stylegan_model` (the
chapter 10 networks), `world_models_env`, `world_models_memory` and `world_models_controller`
(the chapter 12 V-M-C pieces), and `clip_captions` (the chapter 13 captions).

Importing this package must stay cheap and must not import keras or a backend: the backend is
chosen from the command line, and KERAS_BACKEND has to be set before keras is first imported.
From `studyapp` the demos import only the stdlib-only catalogue reader and event protocol; the
app lists the demos through `studyapp.demos.catalogue`, which does not import this package.
"""
