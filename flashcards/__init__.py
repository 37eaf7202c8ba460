"""The bundled deck for *Generative Deep Learning* (2nd ed.) and the format reference.

Data only: `deck/` holds the markdown the app imports into an empty database on first start;
`FORMAT.md` documents the formats. No code lives here.
"""
